/**
 * `/api/auth/*`: Better Auth's handler behind a body limit, with its answers
 * brought to the Worker's conventions (JSON errors, no caching, no session
 * token echoed to scripts).
 */
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { AUTH_BASE_PATH, getAuth } from "../auth";
import { withConfirmedReads } from "../auth/session-trust";
import { lookupSession } from "../auth/validate";
import { trackOutages } from "../db/outage";
import { rateLimit } from "../middleware/rate-limit";
import { WWW_AUTHENTICATE } from "../middleware/require-auth";
import { errorResponse } from "../errors";
import type { AppEnv } from "../types";
import { shapeResponse } from "./auth-responses";
import { resolveRevokeTarget } from "./session-ids";

/** Largest request body the auth routes accept. */
export const AUTH_BODY_LIMIT_BYTES = 16 * 1024;

/**
 * The `/api/auth` sub-app: body limit, rate limits, the session fast path,
 * and Better Auth for everything else.
 *
 * @example
 * ```ts
 * app.route("/api/auth", authRoutes);
 * ```
 */
export const authRoutes = new Hono<AppEnv>();

authRoutes.use(
  "*",
  bodyLimit({ maxSize: AUTH_BODY_LIMIT_BYTES, onError: () => errorResponse("PAYLOAD_TOO_LARGE") }),
  rateLimit(),
);

/**
 * `get-session` and its documented alias `/session`, answered like Better
 * Auth's endpoint (`{ session, user }` or `null`, renewal cookies included)
 * but without its HTTP router, which Better Auth rebuilds on every request:
 * this is the path every session check takes.
 */
const getSession = async (c: Context<AppEnv>) => {
  const { user, session, setCookies } = await lookupSession(c.env, c.req.raw.headers, {
    disableRefresh: c.req.query("disableRefresh") === "true",
  });
  c.header("cache-control", "no-store");
  for (const cookie of setCookies) c.header("set-cookie", cookie, { append: true });
  return c.json(user && session ? { session, user } : null);
};
authRoutes.get("/get-session", getSession);
authRoutes.get("/session", getSession);

authRoutes.post("/revoke-session", async (c) => {
  const text = await c.req.text();
  const headers = new Headers(c.req.raw.headers);
  headers.delete("content-length");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: let Better Auth answer it the way it answers every malformed body.
    return handle(c.env, new Request(c.req.url, { method: "POST", headers, body: text }));
  }
  const target = await resolveRevokeTarget(c.env, c.req.raw.headers, body);
  if (target.kind === "unauthenticated") return errorResponse("UNAUTHORIZED", { headers: { "www-authenticate": WWW_AUTHENTICATE } });
  if (target.kind === "unknown-id") return errorResponse("SESSION_NOT_FOUND");
  return handle(c.env, new Request(c.req.url, { method: "POST", headers, body: JSON.stringify(target.body) }));
});

authRoutes.on(["GET", "POST"], "/*", (c) => handle(c.env, c.req.raw));

async function handle(env: Env, request: Request): Promise<Response> {
  const auth = getAuth(env);
  // Everything here changes state or mints tokens (session reads took the fast path above):
  // a session revoked at another location must not act here, so D1 confirms every copy.
  const { result: response, failures } = await trackOutages(() => withConfirmedReads(() => auth.handler(request)));
  if (failures.length > 0) {
    // Whatever Better Auth answered, it was based on storage that failed: say so, and set no cookies.
    await response.body?.cancel();
    console.error(`storage unavailable on ${request.method} ${new URL(request.url).pathname}:`, failures[0]);
    return errorResponse("SERVICE_UNAVAILABLE");
  }
  return shapeResponse(request, response);
}
