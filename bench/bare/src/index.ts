/** A bare Hono Worker: the startup and first-request baseline for bench/run.mjs. */
import { Hono } from "hono";

const app = new Hono();

app.get("/health", (c) => c.json({ ok: true }));

export default app;
