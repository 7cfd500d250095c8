/**
 * Which limits guard which Better Auth path: the one place that knows
 * Better Auth's paths for rate limiting. docs/rate-limiting.md explains the
 * rules; `config.ts` reads their numbers.
 */

/** The limits on one path. */
export interface PathLimits {
  /**
   * The per-client-address rule: `credentials` (tight) on routes that take
   * a password, a token or send mail, `auth` on the rest, `null` for none.
   */
  address: "credentials" | "auth" | null;
  /**
   * Counted per recipient inbox too (routes that mail the `email` in the
   * body, whoever asks), and per user when a signed-in user asks.
   */
  mail?: true;
  /**
   * A password or second-factor check counted per account: the `email` in
   * the body, the signed-in user's, or (`challenge`) the signed-in user's or
   * else the one a pending two-factor challenge is for.
   */
  lockout?: "email" | "session" | "challenge";
}

const PATHS: Record<string, PathLimits> = {
  "/sign-in/email": { address: "credentials", lockout: "email" },
  "/sign-up/email": { address: "credentials", mail: true },
  "/request-password-reset": { address: "credentials", mail: true },
  "/reset-password": { address: "credentials" },
  "/reset-password/:token": { address: "credentials" },
  "/send-verification-email": { address: "credentials", mail: true },
  "/change-password": { address: "credentials", lockout: "session" },
  "/delete-user": { address: "credentials", lockout: "session" },
  "/reauthenticate": { address: "credentials", lockout: "session" },
  // Six digits fall to guessing unless every code counts toward the same lockout as passwords.
  "/two-factor/verify-totp": { address: "credentials", lockout: "challenge" },
  "/two-factor/verify-backup-code": { address: "credentials", lockout: "challenge" },
  "/two-factor/enable": { address: "credentials", lockout: "session" },
  "/two-factor/disable": { address: "credentials", lockout: "session" },
  "/two-factor/get-totp-uri": { address: "credentials", lockout: "session" },
  "/two-factor/generate-backup-codes": { address: "credentials", lockout: "session" },
  // A passkey's signature cannot be guessed, so it counts toward no account's lockout; the address and network rules
  // still hold. Its challenges (a D1 row each, no session needed) fall under the "auth" rule like other paths.
  "/passkey/verify-authentication": { address: "credentials" },
  // Session reads answer from KV and refuse unsigned tokens before any lookup;
  // counting them would put a Durable Object round trip on every check.
  "/get-session": { address: null },
};

const OTHER_PATHS: PathLimits = { address: "auth" };

/**
 * The limits on a Better Auth endpoint path (as Better Auth names it,
 * e.g. `/reset-password/:token`).
 *
 * @example
 * ```ts
 * limitsOf("/sign-in/email"); // { address: "credentials", lockout: "email" }
 * ```
 */
export function limitsOf(path: string | undefined): PathLimits {
  return (path !== undefined && Object.hasOwn(PATHS, path) ? PATHS[path] : undefined) ?? OTHER_PATHS;
}
