/**
 * "Stock" Better Auth on Workers, the baseline for bench/run.mjs: the setup
 * Better Auth's docs and Cloudflare's template show. A new betterAuth()
 * instance is built for every request, sessions live in D1 only (no
 * secondaryStorage), and there is no rate limiting.
 */
import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { bearer } from "better-auth/plugins";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import { schema } from "../../../src/db/schema";

interface StockEnv {
  DB: D1Database;
  BETTER_AUTH_SECRET: string;
  /** http://localhost:<port>; bench/run.mjs passes the port it chose. */
  BETTER_AUTH_URL: string;
}

function createAuth(env: StockEnv) {
  return betterAuth({
    baseURL: env.BETTER_AUTH_URL,
    secret: env.BETTER_AUTH_SECRET,
    database: drizzleAdapter(drizzle(env.DB), { provider: "sqlite", schema }),
    emailAndPassword: { enabled: true },
    plugins: [bearer()],
    rateLimit: { enabled: false },
  });
}

const app = new Hono<{ Bindings: StockEnv }>();

app.get("/health", (c) => c.json({ ok: true }));

app.get("/api/me", async (c) => {
  const auth = createAuth(c.env);
  const session = await auth.api.getSession({ headers: c.req.raw.headers });
  if (!session) return c.json({ code: "UNAUTHORIZED" }, 401);
  return c.json({ user: session.user, session: session.session });
});

app.on(["GET", "POST"], "/api/auth/*", (c) => createAuth(c.env).handler(c.req.raw));

export default app;
