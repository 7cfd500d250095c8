/**
 * Brings Better Auth's answers to this Worker's conventions: one JSON error
 * shape with a code, `WWW-Authenticate` on every 401, no caching, and
 * bearer tokens only for clients that asked for them.
 */
import { AUTH_BASE_PATH } from "../auth";
import { errorResponse, type ErrorCode } from "../errors";
import { WWW_AUTHENTICATE } from "../middleware/require-auth";
import { withoutTokens } from "./session-ids";

const STATUS_CODES: Record<number, ErrorCode> = {
  401: "UNAUTHORIZED",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
};

/** Answers whose JSON carries a session token at the top level (`token`). */
const TOKEN_ANSWERS = new Set(["/sign-in/email", "/sign-up/email", "/change-password"].map((path) => AUTH_BASE_PATH + path));

/**
 * Whether the client wants a bearer token: API clients (no `Origin`, which
 * browsers always send with a POST) or a page that asks with
 * `X-Auth-Mode: bearer`. Browsers otherwise get only the HttpOnly cookie, so
 * a script on the page never sees a usable token.
 */
export function wantsBearer(request: Request): boolean {
  return !request.headers.has("origin") || request.headers.get("x-auth-mode")?.toLowerCase() === "bearer";
}

/**
 * Shapes a Better Auth response for `request`.
 *
 * @example
 * ```ts
 * return shapeResponse(request, await auth.handler(request));
 * ```
 */
export async function shapeResponse(request: Request, response: Response): Promise<Response> {
  const path = new URL(request.url).pathname;
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  // Public keys change only on rotation; everything else is per user.
  headers.set("cache-control", path === `${AUTH_BASE_PATH}/jwks` && response.ok ? "public, max-age=300" : "no-store");
  if (response.status === 401) headers.set("www-authenticate", WWW_AUTHENTICATE);

  const bearer = wantsBearer(request);
  if (!bearer) {
    headers.delete("set-auth-token");
    headers.delete("access-control-expose-headers");
  }

  if (response.status >= 400) return shapeError(response, headers);
  if (path === `${AUTH_BASE_PATH}/list-sessions`) {
    return Response.json(withoutTokens(await response.json()), { status: response.status, headers });
  }
  if (TOKEN_ANSWERS.has(path)) {
    const data: unknown = await response.json();
    const signed = bearer ? response.headers.get("set-auth-token") : null;
    if (data && typeof data === "object" && "token" in data) {
      // The bearer token, when given, is the signed one: the only form accepted.
      const { token: _raw, ...rest } = data;
      return Response.json(signed ? { ...rest, token: signed } : rest, { status: response.status, headers });
    }
    return Response.json(data, { status: response.status, headers });
  }
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/** Every error as `{ code, message }`, whatever Better Auth sent. */
async function shapeError(response: Response, headers: Headers): Promise<Response> {
  const fallback = STATUS_CODES[response.status] ?? (response.status >= 500 ? "INTERNAL_ERROR" : "NOT_FOUND");
  let code: unknown;
  let message: unknown;
  if (response.headers.get("content-type")?.includes("json")) {
    const body: unknown = await response.json().catch(() => null);
    if (body && typeof body === "object") ({ code, message } = body as { code?: unknown; message?: unknown });
  } else {
    await response.body?.cancel();
  }
  if (typeof code === "string" && typeof message === "string") {
    return Response.json({ code, message }, { status: response.status, headers });
  }
  const reply = errorResponse(fallback, typeof message === "string" ? { message } : undefined);
  headers.set("content-type", reply.headers.get("content-type")!);
  return new Response(reply.body, { status: response.status, headers });
}
