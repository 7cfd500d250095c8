/**
 * The Hono app: routes, the 404 and the error handler. Shared by the default
 * export and the `AuthService` entrypoint.
 */
import { Hono } from "hono";
import { errorResponse, handleError } from "./errors";
import { authRoutes } from "./routes/auth";
import { healthRoutes } from "./routes/health";
import { meRoutes } from "./routes/me";
import type { AppEnv } from "./types";

export const app = new Hono<AppEnv>();

app.route("/health", healthRoutes);
app.route("/api/auth", authRoutes);
app.route("/api/me", meRoutes);

app.notFound(() => errorResponse("NOT_FOUND"));
app.onError(handleError);
