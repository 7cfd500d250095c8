/** `authContextMiddleware()`: the session on the Hono context. */
import { createMiddleware } from "hono/factory";
import { getRuntime } from "../runtime";
import { lookupSession } from "../sessions/lookup";
import type { AppEnv } from "../types";

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
    const { user, session, setCookies } = await lookupSession(getRuntime(c.env), c.req.raw.headers);
    c.set("user", user);
    c.set("session", session);
    for (const cookie of setCookies) c.header("set-cookie", cookie, { append: true });
    await next();
  });
}
