/**
 * The parts of the OpenAPI document this Worker writes itself: the error
 * shape and its codes (from the one table, `client/contract.ts`), sessions as
 * they are answered (handles, never tokens), how callers authenticate, and
 * the routes outside Better Auth.
 */
import { ERROR_CODES, type ErrorCode } from "../errors";

type Schema = Record<string, unknown>;

/** The statuses errors are answered with, each with the codes of the table that carry it. */
export function codesByStatus(): Map<number, ErrorCode[]> {
  const statuses = new Map<number, ErrorCode[]>();
  for (const [code, { status }] of Object.entries(ERROR_CODES) as [ErrorCode, { status: number }][]) {
    statuses.set(status, [...(statuses.get(status) ?? []), code]);
  }
  return statuses;
}

/** The name of the shared response for an error status, e.g. `Error401`. */
export const errorResponseName = (status: number) => `Error${status}`;

const SESSION_PROPERTIES: Schema = {
  id: { type: "string" },
  userId: { type: "string" },
  expiresAt: { type: "string", format: "date-time" },
  createdAt: { type: "string", format: "date-time", description: "When it signed in (or re-authenticated)" },
  updatedAt: { type: "string", format: "date-time", description: "When it was last renewed: its last use, to within SESSION_UPDATE_AGE" },
  ipAddress: { type: ["string", "null"] },
  userAgent: { type: ["string", "null"] },
  country: { type: ["string", "null"], description: "ISO 3166-1 country of the sign-in, as Cloudflare located its address" },
  region: { type: ["string", "null"] },
  city: { type: ["string", "null"] },
  colo: { type: ["string", "null"], description: "The Cloudflare data centre that received the sign-in" },
  timezone: { type: ["string", "null"], description: "IANA timezone" },
  asn: { type: ["integer", "null"], description: "The client network's autonomous system number" },
  asOrganization: { type: ["string", "null"] },
  device: { type: ["string", "null"], description: 'A label from the User-Agent, e.g. "Chrome 131 on macOS"' },
  impersonatedBy: { type: ["string", "null"], description: "Always null: impersonation is not offered" },
};

/** `components` of the document. */
export function components(cookieName: string): Schema {
  const responses: Schema = {};
  for (const [status, codes] of codesByStatus()) {
    responses[errorResponseName(status)] = {
      description: `An error: ${codes.join(", ")}${status === 429 ? " (with Retry-After, in seconds)" : ""}`,
      content: {
        "application/json": {
          schema: { allOf: [{ $ref: "#/components/schemas/Error" }, { type: "object", properties: { code: { enum: codes } } }] },
        },
      },
    };
  }
  return {
    schemas: {
      Error: {
        type: "object",
        description: "Every error the Worker answers, with the code's status (docs/errors.md)",
        properties: { code: { type: "string", enum: Object.keys(ERROR_CODES) }, message: { type: "string" } },
        required: ["code", "message"],
      },
      Session: {
        type: "object",
        description: "A session as answered: never its token",
        properties: SESSION_PROPERTIES,
        required: ["id", "userId", "expiresAt", "createdAt", "updatedAt"],
      },
      ListedSession: {
        type: "object",
        description: "A session as list-sessions answers it",
        properties: {
          ...SESSION_PROPERTIES,
          token: { type: "string", pattern: "^sh_", description: "A handle, sh_<session id>, for revoke-session: not a credential" },
          current: { type: "boolean", description: "The caller's own session" },
        },
        required: ["id", "userId", "expiresAt", "createdAt", "updatedAt", "token", "current"],
      },
      SessionAndUser: {
        type: "object",
        properties: { session: { $ref: "#/components/schemas/Session" }, user: { $ref: "#/components/schemas/User" } },
        required: ["session", "user"],
      },
    },
    responses,
    securitySchemes: {
      sessionCookie: { type: "apiKey", in: "cookie", name: cookieName, description: "The HttpOnly session cookie browsers get" },
      bearerAuth: {
        type: "http",
        scheme: "bearer",
        description: "The signed token API clients get in set-auth-token at sign-up, sign-in and change-password",
      },
    },
  };
}

const json = (schema: Schema, description = "Success") => ({ description, content: { "application/json": { schema } } });

/** The routes outside Better Auth's, under their full paths. */
export function workerPaths(): Record<string, Schema> {
  return {
    "/health": {
      get: {
        tags: ["Service"],
        operationId: "health",
        description: "Liveness; touches no storage",
        security: [],
        responses: { 200: json({ type: "object", properties: { ok: { const: true } }, required: ["ok"] }) },
      },
    },
    "/api/me": {
      get: {
        tags: ["Service"],
        operationId: "me",
        description: "The example protected route: the caller's session and user",
        responses: {
          200: json({ $ref: "#/components/schemas/SessionAndUser" }),
          401: { $ref: `#/components/responses/${errorResponseName(401)}` },
          503: { $ref: `#/components/responses/${errorResponseName(503)}` },
        },
      },
    },
    "/api/openapi.json": {
      get: {
        tags: ["Service"],
        operationId: "openapi",
        description: "This document",
        security: [],
        responses: { 200: json({ type: "object" }) },
      },
    },
    "/api/reference": {
      get: {
        tags: ["Service"],
        operationId: "reference",
        description: "This document as a page, with a form to try each endpoint",
        security: [],
        responses: { 200: { description: "An HTML page", content: { "text/html": { schema: { type: "string" } } } } },
      },
    },
  };
}

/** Responses of get-session (and its alias /session): the session without its token, or null. */
export const SESSION_OR_NULL = {
  200: json({ anyOf: [{ $ref: "#/components/schemas/SessionAndUser" }, { type: "null" }] }, "The session and user, or null"),
};

/** Responses of list-sessions. */
export const LISTED_SESSIONS = { 200: json({ type: "array", items: { $ref: "#/components/schemas/ListedSession" } }) };

/** revoke-session's body: the handle list-sessions shows (or a session token), or the id. */
export const REVOKE_SESSION_BODY = {
  required: true,
  content: {
    "application/json": {
      schema: {
        type: "object",
        properties: {
          token: { type: "string", description: "The handle from list-sessions (sh_…), or a session token" },
          id: { type: "string", description: "The session id from list-sessions" },
        },
        anyOf: [{ required: ["token"] }, { required: ["id"] }],
      },
    },
  },
};
