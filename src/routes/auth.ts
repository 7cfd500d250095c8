/**
 * `/api/auth/*`: Better Auth's handler, with its rules in the `edgeSession`
 * plugin, and the session read every request behind this Worker pays for
 * answered on the fast path.
 */
import { type Context, Hono } from "hono";
import { getRuntime } from "../runtime";
import { lookupSession } from "../sessions/lookup";
import type { AppEnv } from "../types";

/**
 * The `/api/auth` sub-app.
 *
 * @example
 * ```ts
 * app.route("/api/auth", authRoutes);
 * ```
 */
export const authRoutes = new Hono<AppEnv>();

/**
 * `get-session` and its documented alias `/session`, answered as Better
 * Auth's endpoint answers (`{ session, user }` or `null`, renewal cookies
 * included), without building Better Auth's router for every request.
 */
const getSession = async (c: Context<AppEnv>) => {
  const { user, session, setCookies } = await lookupSession(getRuntime(c.env), c.req.raw.headers, {
    disableRefresh: c.req.query("disableRefresh") === "true",
  });
  c.header("cache-control", "no-store");
  for (const cookie of setCookies) c.header("set-cookie", cookie, { append: true });
  return c.json(user && session ? { session, user } : null);
};
authRoutes.get("/get-session", getSession);
authRoutes.get("/session", getSession);

authRoutes.all("/*", (c) => getRuntime(c.env).auth.handler(c.req.raw));
