/**
 * Session lookup for the Worker's own middleware, its RPC entrypoint and the
 * get-session route: the fast path first, Better Auth's `getSession` after.
 */
import type { SessionRecord, SessionUser } from "../../client/contract";
import type { Runtime } from "../runtime";
import { fastLookup } from "./fast-path";
import { withFreshReads } from "./read-mode";

export interface SessionLookup {
  user: SessionUser | null;
  session: SessionRecord | null;
  /** `Set-Cookie` values to send back (a session renewed on this request). */
  setCookies: string[];
  /** Until when (epoch ms) this answer holds for the same credentials, as `fast-path.ts` says; 0 or absent: not beyond this request. */
  reuseUntil?: number;
}

export interface LookupOptions {
  /** Skip every cache and ask D1; also skips renewal. @default false */
  fresh?: boolean;
  /** Do not extend the session's expiry on this check. @default false */
  disableRefresh?: boolean;
}

/**
 * Looks up the session that `headers` carry (cookie or `Authorization: Bearer`).
 * A warm session takes the fast path (`fast-path.ts`); everything else is
 * Better Auth's `getSession`. The session comes back without its token.
 *
 * @example
 * ```ts
 * const { user } = await lookupSession(getRuntime(env), request.headers, { fresh: true });
 * ```
 */
export async function lookupSession(runtime: Runtime, headers: Headers, options: LookupOptions = {}): Promise<SessionLookup> {
  if (!options.fresh && !options.disableRefresh) {
    const found = await fastLookup(await runtime.fastPath(), headers);
    if (found === "anonymous") return { user: null, session: null, setCookies: [] };
    if (found !== "slow") return { ...found, setCookies: [] };
  }
  const read = () =>
    runtime.auth.api.getSession({
      headers,
      query: options.fresh
        ? { disableCookieCache: true, disableRefresh: true }
        : options.disableRefresh
          ? { disableRefresh: true }
          : undefined,
      returnHeaders: true,
    });
  const { headers: responseHeaders, response } = options.fresh ? await withFreshReads(read) : await read();
  const setCookies = responseHeaders.getSetCookie();
  if (!response) return { user: null, session: null, setCookies };
  const { token: _token, ...session } = response.session as typeof response.session & { token?: string };
  return { user: response.user, session, setCookies };
}
