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
import { errorResponse, type ErrorCode } from "../errors";
import type { AppEnv } from "../types";
import { resolveRevokeTarget, withoutTokens } from "./session-ids";

/** Largest request body the auth routes accept. */
export const AUTH_BODY_LIMIT_BYTES = 16 * 1024;

const STATUS_CODES: Record<number, ErrorCode> = {
  401: "UNAUTHORIZED",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
};

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
  const headers = new Headers({ "cache-control": "no-store" });
  for (const cookie of setCookies) headers.append("set-cookie", cookie);
  return c.json(user && session ? { session, user } : null, 200, Object.fromEntries(headers));
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
  if (target.kind === "unauthenticated") return errorResponse("UNAUTHORIZED");
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
  const path = new URL(request.url).pathname;
  const rewrite = response.ok ? REWRITES[path] : undefined;
  const body = rewrite ? JSON.stringify(rewrite(await response.json(), response.headers)) : response.body;
  if (response.status >= 400 && !response.headers.get("content-type")?.includes("json")) {
    await response.body?.cancel();
    const headers = new Headers();
    for (const cookie of response.headers.getSetCookie()) headers.append("set-cookie", cookie);
    return errorResponse(STATUS_CODES[response.status] ?? (response.status >= 500 ? "INTERNAL_ERROR" : "NOT_FOUND"), {
      headers,
    });
  }
  const headers = new Headers(response.headers);
  // Public keys change only on rotation; everything else is per user.
  headers.set("cache-control", path === `${AUTH_BASE_PATH}/jwks` && response.ok ? "public, max-age=300" : "no-store");
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

/**
 * Answers whose session tokens are dropped: a browser's token lives in an
 * HttpOnly cookie, and echoing it in JSON would hand it to any script.
 */
const REWRITES: Record<string, (data: unknown, headers: Headers) => unknown> = {
  [`${AUTH_BASE_PATH}/list-sessions`]: withoutTokens,
  [`${AUTH_BASE_PATH}/sign-in/email`]: withSignedToken,
  [`${AUTH_BASE_PATH}/sign-up/email`]: withSignedToken,
};

/**
 * Sign-in and sign-up answer with the same signed token as `set-auth-token`,
 * the only form accepted as a bearer token.
 */
function withSignedToken(data: unknown, headers: Headers): unknown {
  const signed = headers.get("set-auth-token");
  if (signed && data && typeof data === "object" && "token" in data && typeof data.token === "string") {
    return { ...data, token: signed };
  }
  return data;
}
