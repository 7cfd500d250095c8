/**
 * Errors on the server side: the codes and the JSON shape come from
 * `client/contract.ts` (one table, shared with consumer Workers); this file
 * turns failures into those answers. `docs/errors.md` lists the codes.
 */
import { APIError, isAPIError } from "better-auth/api";
import type { Context } from "hono";
import { ERROR_CODES, type ErrorCode, errorCodeFor, errorResponse } from "../client/contract";
import { logError } from "./log";

export { ERROR_CODES, type ErrorCode, errorCodeFor, errorResponse };

/**
 * An error with one of {@link ERROR_CODES}, as Better Auth throws them: from
 * a plugin hook or endpoint it becomes the JSON answer, and an `auth.api.*`
 * caller receives it as it is.
 *
 * @example
 * ```ts
 * throw apiError("TOO_MANY_ATTEMPTS", { headers: { "retry-after": "30" } });
 * ```
 */
export function apiError(code: ErrorCode, init: { message?: string; headers?: Record<string, string> } = {}): APIError {
  const { status, message } = ERROR_CODES[code];
  return new APIError(status, { code, message: init.message ?? message }, init.headers);
}

/**
 * An error of Better Auth's (or ours) brought into the table: an unlisted
 * code becomes the generic code of its status, and the status becomes the
 * code's own. Returns `error` itself when it already conforms, and for the
 * redirects Better Auth throws as errors.
 */
export function conforming(error: APIError): APIError {
  if (error.statusCode < 400) return error;
  const body = error.body as { code?: unknown; message?: unknown } | undefined;
  const code = errorCodeFor(error.statusCode, body?.code);
  if (code === body?.code && ERROR_CODES[code].status === error.statusCode) return error;
  const message = typeof body?.message === "string" && body.message ? body.message : undefined;
  return apiError(code, { message, headers: error.headers as Record<string, string> | undefined });
}

/** Raised when configuration is missing or unsafe; surfaces as `MISCONFIGURED`. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Raised when D1 or KV fails. It is one of Better Auth's `APIError`s (503,
 * `SERVICE_UNAVAILABLE`), so Better Auth passes it on instead of turning it
 * into a 500 or a "no session".
 */
export class StorageUnavailableError extends APIError {
  readonly store: "D1" | "KV";
  constructor(store: "D1" | "KV", cause: unknown) {
    super(503, { code: "SERVICE_UNAVAILABLE", message: ERROR_CODES.SERVICE_UNAVAILABLE.message, cause });
    this.store = store;
  }
}

/** `app.onError`: one shape for everything, no stack traces to the client. */
export function handleError(err: Error, c: Context): Response {
  if (err instanceof ConfigError) {
    // The detail goes to the operator's log, not to the client.
    logError(`configuration error: ${err.message}`);
    return errorResponse("MISCONFIGURED");
  }
  if (isAPIError(err)) {
    // The route, not the path: a path can hold a token (/reset-password/<token>).
    if (err instanceof StorageUnavailableError) logError(`${err.store} unavailable on ${c.req.method} ${c.req.routePath}`, err.cause);
    const answer = conforming(err);
    const body = answer.body as { code: ErrorCode; message: string };
    return errorResponse(body.code, { message: body.message, headers: answer.headers as HeadersInit });
  }
  logError(`unhandled error on ${c.req.method} ${c.req.routePath}`, err);
  return errorResponse("INTERNAL_ERROR");
}
