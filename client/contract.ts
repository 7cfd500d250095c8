/**
 * The contract between the auth Worker and the Workers that call it through
 * a Service Binding: types, the error codes and the one JSON error shape.
 * Importing this file pulls in no library code.
 */

/** The challenge every 401 carries, from the auth Worker and from the edge middleware. */
export const WWW_AUTHENTICATE = 'Bearer realm="api"';

/**
 * Every error code the auth Worker (and the edge middleware) answers with,
 * with its HTTP status and message. Better Auth's own codes keep Better
 * Auth's names and messages; a code Better Auth raises that is not listed
 * here reaches clients as the generic code of its status (`BAD_REQUEST`,
 * `FORBIDDEN`, ...), so this table is the complete list.
 *
 * @example
 * ```ts
 * ERROR_CODES.UNAUTHORIZED.status; // 401
 * ```
 */
export const ERROR_CODES = {
  BAD_REQUEST: { status: 400, message: "The request is malformed" },
  VALIDATION_ERROR: { status: 400, message: "A field is missing or invalid" },
  INVALID_EMAIL: { status: 400, message: "Invalid email" },
  PASSWORD_TOO_SHORT: { status: 400, message: "Password too short" },
  PASSWORD_TOO_LONG: { status: 400, message: "Password too long" },
  PASSWORD_REQUIRED: { status: 400, message: "Confirm this with your password" },
  INVALID_PASSWORD: { status: 400, message: "Invalid password" },
  INVALID_TOKEN: { status: 400, message: "Invalid token" },
  EMAIL_ALREADY_VERIFIED: { status: 400, message: "Email is already verified" },
  TOTP_NOT_ENABLED: { status: 400, message: "TOTP not enabled" },
  TOTP_ALREADY_ENABLED: { status: 400, message: "TOTP is already enabled" },
  TWO_FACTOR_NOT_ENABLED: { status: 400, message: "Two factor isn't enabled" },
  CHALLENGE_NOT_FOUND: { status: 400, message: "Challenge not found" },
  FAILED_TO_VERIFY_REGISTRATION: { status: 400, message: "Failed to verify registration" },
  UNAUTHORIZED: { status: 401, message: "A valid session is required" },
  INVALID_EMAIL_OR_PASSWORD: { status: 401, message: "Invalid email or password" },
  INVALID_CODE: { status: 401, message: "Invalid code" },
  INVALID_BACKUP_CODE: { status: 401, message: "Invalid backup code" },
  INVALID_TWO_FACTOR_COOKIE: { status: 401, message: "This sign-in has expired; sign in again" },
  AUTHENTICATION_FAILED: { status: 401, message: "Authentication failed" },
  FORBIDDEN: { status: 403, message: "This request is not allowed" },
  EMAIL_NOT_VERIFIED: { status: 403, message: "Email not verified" },
  REAUTHENTICATION_REQUIRED: { status: 403, message: "Confirm your password first: this session signed in too long ago" },
  ADMIN_ONLY: { status: 403, message: "Only an admin may do this" },
  USER_BANNED: { status: 403, message: "You have been banned from this application" },
  INVALID_ORIGIN: { status: 403, message: "Invalid origin" },
  MISSING_OR_NULL_ORIGIN: { status: 403, message: "Missing or null Origin" },
  CROSS_SITE_NAVIGATION_LOGIN_BLOCKED: {
    status: 403,
    message: "Cross-site navigation login blocked. This request appears to be a CSRF attack.",
  },
  INVALID_CALLBACK_URL: { status: 403, message: "Invalid callbackURL" },
  INVALID_REDIRECT_URL: { status: 403, message: "Invalid redirectURL" },
  INVALID_ERROR_CALLBACK_URL: { status: 403, message: "Invalid errorCallbackURL" },
  INVALID_NEW_USER_CALLBACK_URL: { status: 403, message: "Invalid newUserCallbackURL" },
  NOT_FOUND: { status: 404, message: "No route matches this request" },
  SESSION_NOT_FOUND: { status: 404, message: "You have no session with this id" },
  PASSKEY_NOT_FOUND: { status: 404, message: "You have no passkey with this id" },
  METHOD_NOT_ALLOWED: { status: 405, message: "This method is not allowed here" },
  PAYLOAD_TOO_LARGE: { status: 413, message: "The request body is too large" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: "Send the request body as application/json" },
  USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL: { status: 422, message: "User already exists. Use another email." },
  RATE_LIMITED: { status: 429, message: "Too many requests; retry later" },
  TOO_MANY_ATTEMPTS: { status: 429, message: "Too many failed sign-ins for this account; retry later" },
  TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE: { status: 429, message: "Too many wrong codes for this sign-in; sign in again" },
  TOO_MANY_EMAILS: { status: 429, message: "Too many emails were requested for this address; retry later" },
  MISCONFIGURED: { status: 500, message: "The auth service is misconfigured" },
  INTERNAL_ERROR: { status: 500, message: "Internal error" },
  SERVICE_UNAVAILABLE: { status: 503, message: "A storage service is unavailable; retry later" },
  RATE_LIMITER_UNAVAILABLE: { status: 503, message: "Rate limiting is unavailable; retry later" },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The JSON body of every error response. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

/** The code that stands for a status when nothing more precise is known. */
const STATUS_CODES: Record<number, ErrorCode> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "RATE_LIMITED",
  503: "SERVICE_UNAVAILABLE",
};

/**
 * Better Auth's codes that the table lists under another name: its admin
 * plugin says `BANNED_USER` where the table says `USER_BANNED`.
 */
const ALIASES: Readonly<Record<string, ErrorCode>> = { BANNED_USER: "USER_BANNED" };

/** Whether `code` is one of {@link ERROR_CODES}. */
function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.hasOwn(ERROR_CODES, code);
}

/**
 * The code to answer with: `code` when it is listed (or is another name of
 * a listed code), otherwise the generic code of `status`. The status of the
 * answer is then the code's own.
 *
 * @example
 * ```ts
 * errorCodeFor(400, "SOMETHING_UNLISTED"); // "BAD_REQUEST"
 * errorCodeFor(403, "BANNED_USER"); // "USER_BANNED"
 * ```
 */
export function errorCodeFor(status: number, code?: unknown): ErrorCode {
  if (isErrorCode(code)) return code;
  if (typeof code === "string" && Object.hasOwn(ALIASES, code)) return ALIASES[code] as ErrorCode;
  return STATUS_CODES[status] ?? (status >= 500 ? "INTERNAL_ERROR" : "BAD_REQUEST");
}

/**
 * The JSON error response for `code`: its status, `{ code, message }`,
 * `Cache-Control: no-store`, and `WWW-Authenticate` on a 401.
 *
 * @example
 * ```ts
 * return errorResponse("UNAUTHORIZED");
 * ```
 */
export function errorResponse(code: ErrorCode, init: { message?: string; headers?: HeadersInit } = {}): Response {
  const { status, message } = ERROR_CODES[code];
  const headers = new Headers(init.headers);
  headers.set("content-type", "application/json; charset=UTF-8");
  headers.set("cache-control", "no-store");
  if (status === 401) headers.set("www-authenticate", WWW_AUTHENTICATE);
  const body: ErrorBody = { code, message: init.message ?? message };
  return new Response(JSON.stringify(body), { status, headers });
}

/** The signed-in user. */
export interface SessionUser {
  id: string;
  name: string;
  email: string;
  emailVerified: boolean;
  image?: string | null;
  /** Whether signing in asks for a second factor (TOTP or a backup code). */
  twoFactorEnabled?: boolean | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A session, as shown to callers: never its token. */
export interface SessionRecord {
  id: string;
  userId: string;
  expiresAt: Date;
  createdAt: Date;
  updatedAt: Date;
  ipAddress?: string | null;
  userAgent?: string | null;
  /** Where it signed in, from Cloudflare's view of the request: ISO 3166-1 country code, e.g. `PT`. */
  country?: string | null;
  region?: string | null;
  city?: string | null;
  /** The Cloudflare data centre that received the sign-in, e.g. `LIS`. */
  colo?: string | null;
  /** IANA timezone, e.g. `Europe/Lisbon`. */
  timezone?: string | null;
  /** The client network's autonomous system number and its organisation. */
  asn?: number | null;
  asOrganization?: string | null;
  /** A readable label from the User-Agent, e.g. "Chrome 131 on macOS". */
  device?: string | null;
}

/** The kinds of security event `GET /api/auth/security-events` lists (docs/activity.md). */
export type SecurityEventType =
  | "sign-up"
  | "sign-in"
  | "sign-in-failed"
  | "sign-out"
  | "session-revoked"
  | "reauthenticated"
  | "password-changed"
  | "password-reset"
  | "email-verified"
  | "lockout-started"
  | "new-device-sign-in"
  | "admin-action"
  | "two-factor-enabled"
  | "two-factor-disabled"
  | "backup-codes-regenerated"
  | "passkey-added"
  | "passkey-removed";

/** One security event of an account. */
export interface SecurityEvent {
  id: string;
  type: SecurityEventType;
  /** When it happened (for `sign-in-failed`, the first failure of its minute). */
  at: Date;
  /** How many it stands for: failed sign-ins are one event per account and minute. */
  count: number;
  /** The session it concerns (created, ended), if any. */
  sessionId: string | null;
  /** The request that caused it: its address, User-Agent, device label, country and city. */
  ipAddress: string | null;
  userAgent: string | null;
  device: string | null;
  country: string | null;
  city: string | null;
  /** What else is known, by type: e.g. `{ by: "admin" }` for `session-revoked`. */
  detail: Record<string, unknown> | null;
}

/** A page of security events, newest first; pass `nextCursor` as `cursor` for the next one. */
export interface SecurityEventsPage {
  events: SecurityEvent[];
  nextCursor: string | null;
}

export interface ValidatedSession {
  user: SessionUser;
  session: SessionRecord;
  /**
   * `Set-Cookie` values to pass on to the browser: the session was renewed
   * (its expiry pushed back) on this check. Empty most of the time.
   */
  setCookies: string[];
  /**
   * Until when (epoch ms) the caller may give the same answer for the same
   * credentials without asking again: as long as the auth Worker itself
   * would answer from memory (`SESSION_MEMORY_SECONDS`, within the
   * confirmation of `SESSION_REVALIDATE_SECONDS`), and never past a renewal
   * that falls due. Absent when the answer is for this request only.
   * `authSession()` uses it; the revocation bound stays as it is.
   */
  reuseUntil?: number;
}

export interface ValidateOptions {
  /**
   * Ignore every cache and check the session against D1 (the primary).
   * Costs a D1 round trip; use it before sensitive actions.
   * Without it a revoked session can still be accepted for up to
   * `SESSION_REVALIDATE_SECONDS` (30 s by default); at the location where it
   * was revoked, usually for `SESSION_MEMORY_SECONDS` (10 s) at most.
   * @default false
   */
  fresh?: boolean;
}

/** What the auth Worker's `AuthService` entrypoint answers over RPC. */
export interface AuthServiceRpc {
  /**
   * Validates the session that request headers carry: the `cookie` header
   * (browsers) or `authorization: Bearer <token>` (API clients). Other
   * headers are ignored.
   */
  validateHeaders(headers: Record<string, string>, options?: ValidateOptions): Promise<ValidatedSession | null>;
  /** Validates a bearer token as handed out at sign-in (`set-auth-token`). */
  validateToken(token: string, options?: ValidateOptions): Promise<ValidatedSession | null>;
}
