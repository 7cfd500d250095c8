/**
 * The Worker's error codes and its single JSON error shape.
 *
 * Every error the Worker returns is `{ "code": "UPPER_SNAKE", "message": "…" }`,
 * the same shape Better Auth uses for its own errors, so clients parse one
 * shape whichever layer refused them.
 */
import { isAPIError } from "better-auth/api";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * Every error code the Worker itself returns, with its status and message.
 *
 * @example
 * ```ts
 * ERROR_CODES.UNAUTHORIZED.status; // 401
 * ```
 */
export const ERROR_CODES = {
  NOT_FOUND: { status: 404, message: "No route matches this request" },
  METHOD_NOT_ALLOWED: { status: 405, message: "This method is not allowed here" },
  UNAUTHORIZED: { status: 401, message: "A valid session is required" },
  SESSION_NOT_FOUND: { status: 404, message: "You have no session with this id" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: "Send the request body as application/json" },
  PAYLOAD_TOO_LARGE: { status: 413, message: "The request body is too large" },
  RATE_LIMITED: { status: 429, message: "Too many requests; retry later" },
  TOO_MANY_ATTEMPTS: { status: 429, message: "Too many failed sign-ins for this account; retry later" },
  TOO_MANY_EMAILS: { status: 429, message: "Too many emails were requested for this address; retry later" },
  RATE_LIMITER_UNAVAILABLE: { status: 503, message: "Rate limiting is unavailable; retry later" },
  SERVICE_UNAVAILABLE: { status: 503, message: "A storage service is unavailable; retry later" },
  MISCONFIGURED: { status: 500, message: "The auth service is misconfigured" },
  INTERNAL_ERROR: { status: 500, message: "Internal error" },
} as const satisfies Record<string, { status: ContentfulStatusCode; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The JSON body of every error response. */
export interface ErrorBody {
  code: ErrorCode | (string & {});
  message: string;
}

/**
 * Builds the JSON error response for `code`.
 *
 * @example
 * ```ts
 * return errorResponse("NOT_FOUND");
 * ```
 */
export function errorResponse(code: ErrorCode, init?: { message?: string; headers?: HeadersInit }): Response {
  const { status, message } = ERROR_CODES[code];
  const headers = new Headers(init?.headers);
  headers.set("content-type", "application/json; charset=UTF-8");
  headers.set("cache-control", "no-store");
  const body: ErrorBody = { code, message: init?.message ?? message };
  return new Response(JSON.stringify(body), { status, headers });
}

/**
 * An `HTTPException` that carries the complete JSON error response, for
 * middleware that has to stop a request.
 *
 * @example
 * ```ts
 * throw apiError("UNAUTHORIZED", { headers: { "WWW-Authenticate": "Bearer" } });
 * ```
 */
export function apiError(code: ErrorCode, init?: { message?: string; headers?: HeadersInit }): HTTPException {
  const res = errorResponse(code, init);
  return new HTTPException(ERROR_CODES[code].status, { res, message: res.statusText });
}

/** Raised when configuration is missing or unsafe; surfaces as `MISCONFIGURED`. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Raised when D1, KV or the Durable Object fails; surfaces as a 503. */
export class StorageUnavailableError extends Error {
  override name = "StorageUnavailableError";
  constructor(store: "D1" | "KV" | "RateLimiter", cause: unknown) {
    super(`${store} is unavailable`, { cause });
  }
}

/** Whether `err`, or an error it wraps, is a storage failure. */
function isStorageFailure(err: unknown): boolean {
  for (let current = err, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (current instanceof StorageUnavailableError) return true;
  }
  return false;
}

/** `app.onError`: one shape for everything, no stack traces to the client. */
export function handleError(err: Error, c: Context): Response {
  if (err instanceof HTTPException) {
    if (err.res) return err.res;
    const code = (Object.keys(ERROR_CODES) as ErrorCode[]).find((name) => ERROR_CODES[name].status === err.status);
    const response = errorResponse(code ?? (err.status >= 500 ? "INTERNAL_ERROR" : "NOT_FOUND"), { message: err.message || undefined });
    return new Response(response.body, { status: err.status, headers: response.headers });
  }
  if (err instanceof ConfigError) {
    // The detail goes to the operator's log, not to the client.
    console.error(`configuration error: ${err.message}`);
    return errorResponse("MISCONFIGURED");
  }
  if (isStorageFailure(err)) {
    console.error(`storage unavailable on ${c.req.method} ${c.req.path}:`, err);
    return errorResponse("SERVICE_UNAVAILABLE");
  }
  if (isAPIError(err)) {
    // Better Auth's own errors already have our shape; keep their status and code.
    const body = { code: err.body?.code ?? "INTERNAL_ERROR", message: err.body?.message ?? err.message };
    return Response.json(body, { status: err.statusCode, headers: { "cache-control": "no-store" } });
  }
  console.error(`unhandled error on ${c.req.method} ${c.req.path}:`, err);
  return errorResponse("INTERNAL_ERROR");
}
