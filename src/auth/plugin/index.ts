/**
 * `edgeSession()`: every rule by which this Worker differs from stock Better
 * Auth, as one Better Auth plugin, so `auth.handler`, `auth.api.*` and the
 * RPC entrypoint obey the same rules. docs/architecture.md lists them.
 */
import type { BetterAuthPlugin } from "better-auth";
import { activityLog } from "../../activity/events";
import type { Config } from "../../config";
import type { Db, ReplicaReads } from "../../db/client";
import { ERROR_CODES } from "../../errors";
import type { Mailer } from "../../mail";
import { rateLimitHooks } from "../../rate-limit";
import { deviceTokens } from "../../rate-limit/devices";
import type { LimiterNamespace } from "../../rate-limit/limiter";
import { clearAbandonedSignUp, passwordToDeleteUser } from "./account";
import { securityActivity } from "./activity";
import { adminRevokeByHandle, adminSessionHandles, adminsOnly } from "./admin";
import { apiClientSignIn, bearerDelivery } from "./api-clients";
import { credentialKeysOf, sessionReader } from "./context";
import { chainSessionHooks } from "./database-hooks";
import { fieldLimits } from "./fields";
import { cacheControl, httpConventions } from "./http";
import { capOnceKept, sessionLifetimes } from "./lifetimes";
import { mailLinksToPages } from "./mail-links";
import { notOffered } from "./not-offered";
import { conformingErrors, outageIsUnavailable } from "./outages";
import { PASSKEY_REGISTRATION_OPTIONS, passkeyRules } from "./passkeys";
import { reauthenticate, recentAuthentication } from "./reauth";
import { redirectTargets } from "./redirects";
import { secondFactors } from "./second-factors";
import { previousSecretCredentials } from "./secrets";
import { securityEvents } from "./security-events";
import { confirmSessionReads, sessionEndpoints, withoutSessionToken } from "./sessions";
import { signEveryoneOut } from "./sign-everyone-out";

export interface EdgeSessionOptions {
  config: Config;
  /** Drizzle over D1, with outages reported (half-written sign-ups, reading security events). */
  db: Db;
  /** Drizzle over D1 without outage reporting: security events are written beside the request and must not fail it. */
  eventsDb: Db;
  /** Reads that tolerate replica lag (the security events page), from `bookmark` on if given. */
  replicaReads: (bookmark?: string) => ReplicaReads;
  /** The `RateLimiter` Durable Object namespace. */
  limiter: LimiterNamespace;
  /** Where new-device alerts go out. */
  mailer: Mailer;
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

/**
 * Ending other sessions, adding a passkey (a way in that outlives the session), and an admin's actions on
 * sessions need a recent authentication (`reauth.ts`).
 */
const REAUTH_PATHS = [
  PASSKEY_REGISTRATION_OPTIONS,
  "/revoke-other-sessions",
  "/revoke-sessions",
  "/admin/revoke-user-session",
  "/admin/revoke-user-sessions",
  "/admin/ban-user",
  "/admin/revoke-all-sessions",
];

/** Where and on what a session signed in (`activity.ts`): set from the request, never from input, shown with the session. */
const located = { type: "string", required: false, input: false } as const;
const WHEREABOUTS = {
  country: located,
  region: located,
  city: located,
  colo: located,
  timezone: located,
  asn: { type: "number", required: false, input: false },
  asOrganization: located,
  device: located,
} as const;

/**
 * The Worker's Better Auth plugin.
 *
 * @example
 * ```ts
 * betterAuth({ plugins: [bearer({ requireSignature: true }), edgeSession({ config, db, eventsDb, limiter: env.RATE_LIMITER, mailer })] });
 * ```
 */
export function edgeSession(options: EdgeSessionOptions) {
  const keysOf = credentialKeysOf();
  const readSession = sessionReader(keysOf);
  const { config, limiter, mailer } = options;
  const activity = securityActivity(activityLog({ db: options.eventsDb, limiter, mailer, config }), config);
  const rateLimits = rateLimitHooks(config.rateLimit, limiter, readSession, keysOf, activity.lockout);
  const factors = secondFactors(options.db, readSession, deviceTokens(keysOf).knownDevice);
  const passkeys = passkeyRules(options.db, readSession);
  return {
    id: "edge-session",
    $ERROR_CODES: PLUGIN_ERROR_CODES,
    init: (context) => ({
      options: {
        databaseHooks: { session: chainSessionHooks(sessionLifetimes(config, context), activity.sessionHooks(context)) },
        ...activity.callbacks(context),
      },
    }),
    // The operator's tombstone: Better Auth reads it with the row (so a tombstoned session is gone
    // for it too, `sessions/liveness.ts`), never writes it, and never shows it.
    schema: { session: { fields: { deletedAt: { type: "date", required: false, input: false, returned: false }, ...WHEREABOUTS } } },
    endpoints: {
      ...sessionEndpoints(options.config),
      reauthenticate,
      revokeAllSessions: signEveryoneOut(options.db),
      securityEvents: securityEvents(options.replicaReads, options.config),
    },
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
        ...passkeys.before,
        ...factors.beforeLockout,
        ...rateLimits.before,
        ...factors.afterLockout,
        clearAbandonedSignUp(options.db),
      ],
      after: [
        outageIsUnavailable,
        // Before the error table: it turns Better Auth's answer for an unknown credential into the table's.
        ...passkeys.after,
        conformingErrors,
        ...rateLimits.after,
        bearerDelivery,
        withoutSessionToken,
        adminSessionHandles,
        ...factors.after,
        // After the second-factor plugin withdrew the session of a challenge: only a kept session counts.
        capOnceKept(options.config),
        cacheControl,
        // Last: they record what the answer finally is.
        ...activity.after,
      ],
    },
    ...httpConventions(),
  } satisfies BetterAuthPlugin;
}

export type EdgeSessionPlugin = ReturnType<typeof edgeSession>;
