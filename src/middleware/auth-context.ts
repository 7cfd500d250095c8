import { createMiddleware } from "hono/factory";
import { getAuth } from "../auth";
import type { AppEnv, SessionRecord, SessionUser } from "../types";

export interface SessionLookup {
  user: SessionUser | null;
  session: SessionRecord | null;
  /** `Set-Cookie` values to send back (a session renewed on this request). */
  setCookies: string[];
}

/** Looks up the session a request carries, by cookie or `Authorization: Bearer`. */
export async function lookupSession(env: Env, headers: Headers): Promise<SessionLookup> {
  const { headers: responseHeaders, response } = await getAuth(env).api.getSession({ headers, returnHeaders: true });
  return {
    user: response?.user ?? null,
    session: response?.session ?? null,
    setCookies: responseHeaders.getSetCookie(),
  };
}

/**
 * Resolves the request's session (cookie or `Authorization: Bearer`) and puts
 * `user` and `session` on the context, or `null` for both when there is none.
 *
 * A warm session is answered from KV without a D1 query. When the session is
 * due for renewal, the refreshed cookie is sent with the response.
 *
 * @example
 * ```ts
 * app.use("*", authContextMiddleware());
 * app.get("/hello", (c) => c.text(c.var.user ? `hi ${c.var.user.name}` : "hi stranger"));
 * ```
 */
export function authContextMiddleware() {
  return createMiddleware<AppEnv>(async function authContext(c, next) {
    const { user, session, setCookies } = await lookupSession(c.env, c.req.raw.headers);
    c.set("user", user);
    c.set("session", session);
    for (const cookie of setCookies) c.header("set-cookie", cookie, { append: true });
    await next();
  });
}
