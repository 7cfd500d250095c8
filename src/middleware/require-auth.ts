/** `requireAuth()`: the guard for routes that need a session. */
import { createMiddleware } from "hono/factory";
import { apiError } from "../errors";
import { getRuntime } from "../runtime";
import { lookupSession } from "../sessions/lookup";
import type { AppEnv, SessionRecord, SessionUser } from "../types";

/** What `requireAuth()` guarantees to the handlers after it. */
export type AuthedEnv = AppEnv & { Variables: { user: SessionUser; session: SessionRecord } };

/**
 * Refuses requests without a valid session: `401 {"code":"UNAUTHORIZED"}` with
 * `WWW-Authenticate: Bearer`. Resolves the session itself when
 * `authContextMiddleware()` has not run before it.
 *
 * @example
 * ```ts
 * app.get("/api/me", requireAuth(), (c) => c.json({ user: c.var.user }));
 * ```
 */
export function requireAuth() {
  return createMiddleware<AuthedEnv>(async function requireAuth(c, next) {
    let { user, session } = c.var as Partial<AppEnv["Variables"]>;
    if (session === undefined) {
      const found = await lookupSession(getRuntime(c.env), c.req.raw.headers);
      ({ user, session } = found);
      for (const cookie of found.setCookies) c.header("set-cookie", cookie, { append: true });
    }
    if (!session || !user) throw apiError("UNAUTHORIZED");
    c.set("user", user);
    c.set("session", session);
    await next();
  });
}
