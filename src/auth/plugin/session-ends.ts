/**
 * Why a session ended, from the Better Auth path that deleted it: the one
 * table of which path ends sessions on whose behalf (docs/activity.md,
 * "Event types"). The hourly purge says the same of the sessions it removes
 * (`housekeeping/purge.ts`).
 */

/** Who or what ended a session. */
export type EndedBy =
  | "user"
  | "other-session"
  | "admin"
  | "cap"
  | "lifetime"
  | "inactivity"
  | "password-change"
  | "password-reset"
  | "reauthentication"
  | "operator";

/** The paths that end sessions, and on whose behalf; `own` when the session ended is the caller's own. */
const ENDED_BY: Record<string, (own: boolean) => EndedBy | "sign-out" | null> = {
  "/sign-out": () => "sign-out",
  "/revoke-session": (own) => (own ? "user" : "other-session"),
  "/revoke-sessions": (own) => (own ? "user" : "other-session"),
  "/revoke-other-sessions": () => "other-session",
  "/change-password": () => "password-change",
  "/reset-password": () => "password-reset",
  // The old session is replaced; any other one goes to the cap on sessions.
  "/reauthenticate": (own) => (own ? "reauthentication" : "cap"),
  "/sign-in/email": () => "cap",
  "/sign-up/email": () => "cap",
  // Turning the second factor on or off replaces the caller's session (its event says so); a sign-in
  // finished with a code may end another at the cap.
  "/two-factor/verify-totp": (own) => (own ? null : "cap"),
  "/two-factor/verify-backup-code": () => "cap",
  "/two-factor/disable": (own) => (own ? null : "cap"),
  // The account and its events go with it.
  "/delete-user": () => null,
};

/** A session row as Better Auth's delete hook receives it. */
export interface EndedSession {
  id: string;
  userId: string;
  expiresAt: Date | string;
  createdAt: Date | string;
  device?: string | null;
  country?: string | null;
}

/**
 * The event for a session that `path` deleted: `sign-out`, or
 * `session-revoked` with who ended it; `null` when none is recorded.
 * Better Auth's reads delete a session they find expired: that is the
 * absolute lifetime when it ran to `SESSION_MAX_AGE`, otherwise inactivity.
 *
 * @example
 * ```ts
 * sessionEnd("/revoke-session", ended, callerSessionId, maxAgeMs); // { type: "session-revoked", by: "other-session" }
 * ```
 */
export function sessionEnd(
  path: string | undefined,
  ended: EndedSession,
  callerSessionId: string | undefined,
  maxAgeMs: number,
): { type: "sign-out" } | { type: "session-revoked"; by: EndedBy } | null {
  const own = callerSessionId === ended.id;
  const rule = path && Object.hasOwn(ENDED_BY, path) ? ENDED_BY[path] : undefined;
  const by = rule ? rule(own) : path?.startsWith("/admin/") ? "admin" : expiryOf(ended, maxAgeMs);
  if (by === null) return null;
  return by === "sign-out" ? { type: "sign-out" } : { type: "session-revoked", by };
}

/** Why Better Auth deleted a session it read: the absolute lifetime, or inactivity. */
function expiryOf(ended: EndedSession, maxAgeMs: number): EndedBy {
  const expiresAt = new Date(ended.expiresAt).getTime();
  return expiresAt >= new Date(ended.createdAt).getTime() + maxAgeMs ? "lifetime" : "inactivity";
}
