/** The page request's session, and where a signed-in visitor goes instead of a sign-in form. */
import type { Context } from "hono";
import { resolveTarget } from "../auth/plugin/redirects";
import { getRuntime } from "../runtime";
import { lookupSession, type SessionLookup } from "../sessions/lookup";
import type { PageEnv } from "./headers";

/**
 * The session the page request's cookie carries (the warm-check fast path),
 * with the renewal cookies to pass on; `cookie` replaces the request's
 * (after a call that set new ones).
 *
 * @example
 * ```ts
 * const { user, setCookies } = await pageSession(c);
 * ```
 */
export function pageSession(c: Context<PageEnv>, cookie?: string): Promise<SessionLookup> {
  // The cookie only, as the pages' API calls (api.ts): a page is a browser's.
  return lookupSession(getRuntime(c.env), new Headers({ cookie: cookie ?? c.req.header("cookie") ?? "" }));
}

/**
 * Where `callbackURL` leads, under the API's rule for redirect targets (this
 * origin or `TRUSTED_ORIGINS`), or `/account` when it is absent or refused.
 */
export function targetOrAccount(c: Context<PageEnv>, callbackURL: string | undefined): string {
  const { config } = getRuntime(c.env);
  const origins = [config.baseURL ?? new URL(c.req.url).origin, ...config.trustedOrigins];
  return (callbackURL && resolveTarget(callbackURL, origins)) || "/account";
}
