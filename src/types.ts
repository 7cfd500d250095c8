import type { SessionRecord, SessionUser } from "../client/contract";

export type { SessionRecord, SessionUser };

/**
 * The Hono environment shared by every middleware and route of this Worker.
 * `user` and `session` have the same shape as in the edge middleware that
 * other Workers use (`client/`).
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
