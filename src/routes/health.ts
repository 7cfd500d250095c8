import { Hono } from "hono";
import type { AppEnv } from "../types";

/** `/health`: liveness only; touches no storage. */
export const healthRoutes = new Hono<AppEnv>();

healthRoutes.get("/", (c) => c.json({ ok: true }));
