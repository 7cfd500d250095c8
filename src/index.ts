/**
 * The Worker: wires the app and its exports. No logic lives here.
 */
import { app } from "./app";
import { purgeExpired } from "./housekeeping/purge";
import { logError } from "./log";

export { authContextMiddleware } from "./middleware/auth-context";
export { requireAuth } from "./middleware/require-auth";
export { RateLimiter } from "./rate-limit/durable-object";
export { AuthService } from "./rpc/auth-service";
export type { AppEnv } from "./types";

export default {
  fetch: app.fetch,
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(
      purgeExpired(env).then(
        (purged) =>
          console.log(
            `purged ${purged.sessions} sessions, ${purged.verifications} verifications, ${purged.abandonedUsers} users left without a password, ${purged.events} security events`,
          ),
        (error: unknown) => logError("the purge failed", error),
      ),
    );
  },
} satisfies ExportedHandler<Env>;
