import { Hono } from "hono";
import { requireAuth, type AuthedEnv } from "../middleware/require-auth";

/** `/api/me`: the example protected route. */
export const meRoutes = new Hono<AuthedEnv>();

meRoutes.get("/", requireAuth(), (c) => {
  const { token: _token, ...session } = c.var.session;
  c.header("cache-control", "no-store");
  return c.json({ user: c.var.user, session });
});
