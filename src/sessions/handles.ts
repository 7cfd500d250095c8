/**
 * Session handles: what list-sessions shows in `token`, so Better Auth's
 * documented `revokeSession({ token: session.token })` works without any
 * answer carrying a credential.
 *
 * A handle names a session by its id (`sh_<id>`). It is not a credential:
 * session tokens are random and unrelated to ids, a credential must also be
 * signed with the secret, and no request is authenticated by an id. Turning
 * a handle into a token takes a read of D1. See docs/sessions.md.
 */

const PREFIX = "sh_";

/**
 * The handle of session `id`.
 *
 * @example
 * ```ts
 * sessionHandle("k3J9…"); // "sh_k3J9…"
 * ```
 */
export function sessionHandle(id: string): string {
  return PREFIX + id;
}

/** The session id a handle names, or `null` when `value` is not a handle. */
export function sessionIdOfHandle(value: string): string | null {
  return value.startsWith(PREFIX) && value.length > PREFIX.length ? value.slice(PREFIX.length) : null;
}
