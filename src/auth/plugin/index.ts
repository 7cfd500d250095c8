/**
 * `edgeSession()`: every rule by which this Worker differs from stock Better
 * Auth, as one Better Auth plugin, so `auth.handler`, `auth.api.*` and the
 * RPC entrypoint obey the same rules. docs/architecture.md lists them.
 */
import type { BetterAuthPlugin } from "better-auth";
import type { Config } from "../../config";
import type { Db } from "../../db/client";
import { ERROR_CODES } from "../../errors";
import { rateLimitHooks } from "../../rate-limit";
import type { LimiterNamespace } from "../../rate-limit/limiter";
import { clearAbandonedSignUp, passwordToDeleteUser } from "./account";
import { adminRevokeByHandle, adminSessionHandles, adminsOnly } from "./admin";
import { apiClientSignIn, bearerDelivery } from "./api-clients";
import { credentialKeysOf, sessionReader } from "./context";
import { fieldLimits } from "./fields";
import { cacheControl, httpConventions } from "./http";
import { sessionLifetimes } from "./lifetimes";
import { mailLinksToPages } from "./mail-links";
import { notOffered } from "./not-offered";
import { conformingErrors, outageIsUnavailable } from "./outages";
import { PLACE_FIELD, withPlaces } from "./places";
import { reauthenticate, recentAuthentication } from "./reauth";
import { redirectTargets } from "./redirects";
import { previousSecretCredentials } from "./secrets";
import { confirmSessionReads, sessionEndpoints, withoutSessionToken } from "./sessions";
import { signEveryoneOut } from "./sign-everyone-out";

export interface EdgeSessionOptions {
  config: Config;
  /** Drizzle over D1 (for clearing half-written sign-ups). */
  db: Db;
  /** The `RateLimiter` Durable Object namespace. */
  limiter: LimiterNamespace;
}

/** The error codes the plugin adds to Better Auth's, with their messages. */
const PLUGIN_ERROR_CODES = Object.fromEntries(
  (
    [
      "PASSWORD_REQUIRED",
      "SESSION_NOT_FOUND",
      "RATE_LIMITED",
      "TOO_MANY_ATTEMPTS",
      "TOO_MANY_EMAILS",
      "RATE_LIMITER_UNAVAILABLE",
      "SERVICE_UNAVAILABLE",
      "ADMIN_ONLY",
      "USER_BANNED",
    ] as const
  ).map((code) => [code, { code, message: ERROR_CODES[code].message }]),
) as { [K in PluginErrorCode]: { readonly code: K; message: string } };

type PluginErrorCode =
  | "PASSWORD_REQUIRED"
  | "SESSION_NOT_FOUND"
  | "RATE_LIMITED"
  | "TOO_MANY_ATTEMPTS"
  | "TOO_MANY_EMAILS"
  | "RATE_LIMITER_UNAVAILABLE"
  | "SERVICE_UNAVAILABLE"
  | "ADMIN_ONLY"
  | "USER_BANNED";

/** Ending other sessions, and an admin's actions on sessions, need a recent authentication (`reauth.ts`). */
const REAUTH_PATHS = [
  "/revoke-other-sessions",
  "/revoke-sessions",
  "/admin/revoke-user-session",
  "/admin/revoke-user-sessions",
  "/admin/ban-user",
  "/admin/revoke-all-sessions",
];

/**
 * The Worker's Better Auth plugin.
 *
 * @example
 * ```ts
 * betterAuth({ plugins: [bearer({ requireSignature: true }), edgeSession({ config, db, limiter: env.RATE_LIMITER })] });
 * ```
 */
export function edgeSession(options: EdgeSessionOptions) {
  const keysOf = credentialKeysOf();
  const readSession = sessionReader(keysOf);
  const rateLimits = rateLimitHooks(options.config.rateLimit, options.limiter, readSession, keysOf);
  return {
    id: "edge-session",
    $ERROR_CODES: PLUGIN_ERROR_CODES,
    init: (context) => ({ options: { databaseHooks: { session: withPlaces(sessionLifetimes(options.config, context)) } } }),
    schema: {
      session: {
        fields: {
          // The operator's tombstone: Better Auth reads it with the row (so a tombstoned session is gone
          // for it too, `sessions/liveness.ts`), never writes it, and never shows it.
          deletedAt: { type: "date", required: false, input: false, returned: false },
          ...PLACE_FIELD,
        },
      },
    },
    endpoints: { ...sessionEndpoints(options.config), reauthenticate, revokeAllSessions: signEveryoneOut(options.db) },
    hooks: {
      // The lockout begins an attempt that only an after hook settles: no hook after it may throw.
      before: [
        previousSecretCredentials(keysOf),
        notOffered,
        confirmSessionReads,
        mailLinksToPages,
        redirectTargets,
        apiClientSignIn,
        fieldLimits,
        passwordToDeleteUser,
        adminsOnly(options.config, readSession),
        recentAuthentication(REAUTH_PATHS, options.config, readSession),
        adminRevokeByHandle,
        ...rateLimits.before,
        clearAbandonedSignUp(options.db),
      ],
      after: [
        outageIsUnavailable,
        conformingErrors,
        ...rateLimits.after,
        bearerDelivery,
        withoutSessionToken,
        adminSessionHandles,
        cacheControl,
      ],
    },
    ...httpConventions(),
  } satisfies BetterAuthPlugin;
}

export type EdgeSessionPlugin = ReturnType<typeof edgeSession>;
