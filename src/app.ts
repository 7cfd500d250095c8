/**
 * The Hono app: routes, the 404 and the error handler. Shared by the default
 * export and the `AuthService` entrypoint.
 */
import { Hono } from "hono";
import { cors } from "hono/cors";
import { errorResponse, handleError } from "./errors";
import { securityHeaders } from "./middleware/security-headers";
import { openApiRoutes } from "./openapi";
import { pageRoutes } from "./pages";
import { authRoutes } from "./routes/auth";
import { healthRoutes } from "./routes/health";
import { meRoutes } from "./routes/me";
import { getRuntime } from "./runtime";
import type { AppEnv } from "./types";

/**
 * The Worker's routes.
 *
 * @example
 * ```ts
 * export default { fetch: app.fetch } satisfies ExportedHandler<Env>;
 * ```
 */
export const app = new Hono<AppEnv>();

app.use("*", securityHeaders());

// Front ends on TRUSTED_ORIGINS may call the API from the browser, with cookies or bearer tokens.
const corsForTrustedOrigins = cors({
  origin: (origin, c) => (getRuntime(c.env).config.trustedOrigins.includes(origin) ? origin : null),
  credentials: true,
  allowMethods: ["GET", "POST"],
  allowHeaders: ["content-type", "authorization", "x-auth-mode", "x-device-token"],
  exposeHeaders: [
    "set-auth-token",
    "set-device-token",
    "retry-after",
    "ratelimit-limit",
    "ratelimit-remaining",
    "ratelimit-reset",
    "ratelimit-policy",
  ],
  maxAge: 600,
});
// Only cross-origin browser requests carry Origin on a GET; the rest skip the CORS work.
app.use("/api/*", (c, next) => (c.req.raw.headers.has("origin") ? corsForTrustedOrigins(c, next) : next()));

app.route("/health", healthRoutes);
app.route("/api/auth", authRoutes);
app.route("/api/me", meRoutes);
app.route("/api", openApiRoutes);
app.route("/", pageRoutes);

app.notFound(() => errorResponse("NOT_FOUND"));
app.onError(handleError);
