import { Hono } from "hono";
import { type AuthedEnv, requireAuth } from "../middleware/require-auth";

/** `/api/me`: the example protected route. */
export const meRoutes = new Hono<AuthedEnv>();

meRoutes.get("/", requireAuth(), (c) => {
  c.header("cache-control", "no-store");
  return c.json({ user: c.var.user, session: c.var.session });
});
