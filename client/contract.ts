/**
 * The contract between the auth Worker and the Workers that call it through
 * a Service Binding. Types and one string constant: importing this file pulls in no code.
 */

/** The challenge every 401 carries, from the auth Worker and from the edge middleware. */
export const WWW_AUTHENTICATE = 'Bearer realm="api"';

/** The signed-in user. */
export interface SessionUser {
  id: string;
  name: string;
  email: string;
  emailVerified: boolean;
  image?: string | null;
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
}

export interface ValidatedSession {
  user: SessionUser;
  session: SessionRecord;
  /**
   * `Set-Cookie` values to pass on to the browser: the session was renewed
   * (its expiry pushed back) on this check. Empty most of the time.
   */
  setCookies: string[];
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
