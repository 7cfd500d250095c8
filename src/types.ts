import type { AuthSession } from "./auth";

/** The signed-in user, as Better Auth returns it. */
export type SessionUser = AuthSession["user"];

/** The session row, as Better Auth returns it (without its token when shown to clients). */
export type SessionRecord = AuthSession["session"];

/**
 * The Hono environment shared by every middleware and route of this Worker.
 *
 * @example
 * ```ts
 * const app = new Hono<AppEnv>();
 * app.get("/whoami", requireAuth(), (c) => c.json({ id: c.var.user.id }));
 * ```
 */
export type AppEnv = {
  Bindings: Env;
  Variables: {
    user: SessionUser | null;
    session: SessionRecord | null;
  };
};
