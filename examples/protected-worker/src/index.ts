/**
 * An example consumer: a Worker that validates sessions through the auth
 * Worker over a Service Binding, with no auth code of its own.
 *
 * - `GET /`        public
 * - `GET /private` the signed-in user's id and email, or 401
 * - `/api/auth/*`  forwarded to the auth Worker, so browsers sign in on this origin
 */
import { Hono } from "hono";
// In another repository: import { ... } from "edge-session-worker/client";
import { type AuthBinding, type AuthEnv, authSession, errorResponse, forwardAuth, requireAuth } from "../../../client";

type Bindings = { AUTH: AuthBinding };

const app = new Hono<AuthEnv<Bindings>>();

app.all("/api/auth/*", forwardAuth({ binding: "AUTH" }));
app.use("*", authSession({ binding: "AUTH" }));

app.get("/", (c) => c.json({ ok: true, signedIn: c.var.user !== null }));

app.get("/private", requireAuth(), (c) => {
  const { id, email } = c.var.user;
  return c.json({ id, email }, 200, { "cache-control": "no-store" });
});

app.notFound(() => errorResponse("NOT_FOUND"));

export default app;
