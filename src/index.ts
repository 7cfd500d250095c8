/**
 * The Worker: wires the app, its routes and its exports. No logic lives here.
 */
import { Hono } from "hono";
import { errorResponse, handleError } from "./errors";
import { purgeExpired } from "./housekeeping/purge";
import { authRoutes } from "./routes/auth";
import { healthRoutes } from "./routes/health";
import { meRoutes } from "./routes/me";
import type { AppEnv } from "./types";

export { RateLimiter } from "./rate-limit/durable-object";
export { authContextMiddleware } from "./middleware/auth-context";
export { requireAuth } from "./middleware/require-auth";
export type { AppEnv } from "./types";

const app = new Hono<AppEnv>();

app.route("/health", healthRoutes);
app.route("/api/auth", authRoutes);
app.route("/api/me", meRoutes);

app.notFound(() => errorResponse("NOT_FOUND"));
app.onError(handleError);

export default {
  fetch: app.fetch,
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(
      purgeExpired(env).then((purged) => console.log(`purged ${purged.sessions} sessions, ${purged.verifications} verifications`)),
    );
  },
} satisfies ExportedHandler<Env>;
