/**
 * Session lookup for the Worker's own middleware, its RPC entrypoint and the
 * get-session route: the fast path first, Better Auth's `getSession` after.
 */
import type { SessionRecord, SessionUser } from "../../client/contract";
import { fastLookup } from "./fast-session";
import { getRuntime } from "./index";
import { withFreshReads } from "./session-trust";

export interface SessionLookup {
  user: SessionUser | null;
  session: SessionRecord | null;
  /** `Set-Cookie` values to send back (a session renewed on this request). */
  setCookies: string[];
}

/**
 * Looks up the session that `headers` carry (cookie or `Authorization: Bearer`).
 * A warm session takes the fast path (`fast-session.ts`); everything else is
 * Better Auth's `getSession`. The session comes back without its token.
 *
 * @param options.fresh skip every cache and ask D1; also skips renewal.
 * @param options.disableRefresh do not extend the session's expiry on this check.
 * @example
 * ```ts
 * const { user } = await lookupSession(env, request.headers, { fresh: true });
 * ```
 */
export async function lookupSession(
  env: Env,
  headers: Headers,
  options: { fresh?: boolean; disableRefresh?: boolean } = {},
): Promise<SessionLookup> {
  const runtime = getRuntime(env);
  if (!options.fresh && !options.disableRefresh) {
    const found = await fastLookup(runtime, headers);
    if (found === "anonymous") return { user: null, session: null, setCookies: [] };
    if (found !== "slow") return { ...found, setCookies: [] };
  }
  const auth = runtime.auth;
  const read = () =>
    auth.api.getSession({
      headers,
      query: options.fresh ? { disableCookieCache: true, disableRefresh: true } : options.disableRefresh ? { disableRefresh: true } : undefined,
      returnHeaders: true,
    });
  const { headers: responseHeaders, response } = options.fresh ? await withFreshReads(read) : await read();
  if (!response) return { user: null, session: null, setCookies: responseHeaders.getSetCookie() };
  const { token: _token, ...session } = response.session;
  return { user: response.user, session, setCookies: responseHeaders.getSetCookie() };
}
