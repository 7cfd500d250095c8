/**
 * Better Auth's options for this Worker: D1 through Drizzle as the source of
 * truth, KV as secondary storage, and the `edgeSession` plugin holding the
 * Worker's own rules. docs/architecture.md walks through them.
 */

import { waitUntil } from "cloudflare:workers";
import { passkey } from "@better-auth/passkey";
import type { BetterAuthAdvancedOptions } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { betterAuth } from "better-auth/minimal";
import { admin } from "better-auth/plugins/admin";
import { bearer } from "better-auth/plugins/bearer";
import { jwt } from "better-auth/plugins/jwt";
import { twoFactor } from "better-auth/plugins/two-factor";
import type { Config } from "../config";
import { createDb, type Db, replicaReads } from "../db/client";
import { surfacingFailures } from "../db/outage";
import { schema } from "../db/schema";
import { ERROR_CODES } from "../errors";
import { betterAuthLog } from "../log";
import { createMailer, resetPasswordMail, verificationMail } from "../mail";
import type { SecondaryStorage } from "../sessions/kv-storage";
import { liveSessionsOnly } from "../sessions/liveness";
import { JWT_KEY_ROTATION_SECONDS, retiringJwks } from "./jwt-keys";
import { hashPassword, verifyPassword } from "./password";
import { edgeSession } from "./plugin";
import { ADMIN_ROLE, DEFAULT_ROLE } from "./plugin/admin";
import { passkeyOptions } from "./plugin/passkeys";
import { TRUST_DEVICE_SECONDS } from "./plugin/second-factors";

/** Hosts the development server answers on, on any port. */
const LOCAL_HOSTS = ["localhost", "localhost:*", "127.0.0.1:*", "[::1]:*"];

/** Where Better Auth is mounted. */
const AUTH_BASE_PATH = "/api/auth";

/** The name every cookie of this Worker starts with (after the `__Host-` prefix, under https). */
const COOKIE_PREFIX = "better-auth";

/**
 * How much longer than a JWT lives a retired key stays in the JWKS: room for clocks and
 * caches. No longer: whoever opens a retired key (a leaked secret) signs with it while it is listed.
 */
const JWKS_GRACE_MARGIN_SECONDS = 3600;

export interface AuthOptions {
  env: Env;
  config: Config;
  /** Drizzle over D1, with outages reported. */
  db: Db;
  /** The KV secondary storage. */
  storage: SecondaryStorage;
}

/**
 * Builds the Better Auth instance. Prefer `getRuntime(env).auth`, which
 * builds it once per isolate.
 *
 * @example
 * ```ts
 * const auth = createAuth({ env, config, db, storage });
 * const response = await auth.handler(request);
 * ```
 */
export function createAuth({ env, config, db, storage }: AuthOptions) {
  const mailer = createMailer(config, env);
  return betterAuth({
    appName: "edge-session-worker",
    basePath: AUTH_BASE_PATH,
    // In development the base URL follows the request, so `wrangler dev --port N` works on any port.
    // The fallback serves calls that carry no Host (session checks over RPC).
    baseURL: config.baseURL ?? { allowedHosts: LOCAL_HOSTS, protocol: "auto", fallback: "http://localhost:8787" },
    // Passed explicitly, so Better Auth never reads BETTER_AUTH_SECRETS unchecked. The first signs and seals;
    // `secret` only opens data Better Auth sealed before secrets had versions.
    secrets: config.secrets,
    secret: config.secret,
    trustedOrigins: config.trustedOrigins,
    database: surfacingFailures(liveSessionsOnly(drizzleAdapter(db, { provider: "sqlite", schema }), db, config.sessionMaxAge * 1000)),
    secondaryStorage: storage,
    session: {
      expiresIn: config.sessionExpiresIn,
      updateAge: config.sessionUpdateAge,
      // D1 is the source of truth; KV only caches live sessions.
      storeSessionInDatabase: true,
      // A signed cache cookie would outlive revocation by its maxAge; KV already makes checks cheap.
      cookieCache: { enabled: false },
    },
    // Single-use tokens need an atomic consume, which KV cannot give. D1 holds only a
    // SHA-256 of each identifier (`reset-password:<token>`), so a copy of D1 holds no
    // usable link; rows stored in plain before keep working until they expire.
    verification: { storeInDatabase: true, storeIdentifier: "hashed" },
    emailAndPassword: {
      enabled: true,
      password: { hash: hashPassword, verify: verifyPassword },
      requireEmailVerification: config.requireEmailVerification,
      revokeSessionsOnPasswordReset: true,
      sendResetPassword: async ({ user, url, token }) => {
        await mailer.send(resetPasswordMail(user.email, url, token));
      },
    },
    emailVerification: {
      sendOnSignUp: true,
      // A GET that signs in would let an attacker sign a victim into the attacker's account (login CSRF).
      autoSignInAfterVerification: false,
      sendVerificationEmail: async ({ user, url, token }) => {
        await mailer.send(verificationMail(user.email, url, token));
      },
    },
    user: { deleteUser: { enabled: true } },
    // The plugin counts requests in the RateLimiter Durable Object instead.
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    plugins: [
      // TOTP and backup codes (docs/second-factors.md). First, so its after hook has withdrawn the session of a
      // sign-in that still needs a code before any other hook (bearer's set-auth-token, the device token,
      // the sign-in event, the lockout's verdict) sees the answer.
      twoFactor({
        issuer: config.appName,
        trustDeviceMaxAge: TRUST_DEVICE_SECONDS,
        backupCodeOptions: { storeBackupCodes: "encrypted" },
        // Failed codes count toward edgeSession's account lockout, with its known devices; one lock, not two.
        accountLockout: { enabled: false },
      }),
      // WebAuthn passkeys (docs/second-factors.md#passkeys): the relying party is BASE_URL's host; in development
      // Better Auth resolves the base URL per request, and the plugin takes its host from that.
      passkey(passkeyOptions(config)),
      // Only signed tokens (set-auth-token) are accepted: a forged token fails its HMAC before any lookup.
      bearer({ requireSignature: true }),
      // Short-lived JWTs for services outside Cloudflare: GET /token, verified against GET /jwks.
      jwt({
        jwt: {
          expirationTime: `${config.jwtExpiresIn}s`,
          // Only what a verifier needs; the default would copy the whole user row.
          definePayload: ({ user, session }) => ({ email: user.email, email_verified: user.emailVerified, sid: session.id }),
        },
        // Keys rotate; a retired key stays in the JWKS until every JWT it signed has expired.
        jwks: { rotationInterval: JWT_KEY_ROTATION_SECONDS, gracePeriod: config.jwtExpiresIn + JWKS_GRACE_MARGIN_SECONDS },
        // A key stops signing when the secret it is sealed with is no longer the current one.
        adapter: { getJwks: retiringJwks() },
        // Signing a JWT on every get-session would cost every session check; ask /token instead.
        disableSettingJwtHeader: true,
      }),
      // Users, their sessions and bans, for the admins of ADMIN_EMAILS. Who is an admin, which of its
      // endpoints are offered, and handles instead of tokens are edgeSession's rules (plugin/admin.ts).
      admin({ defaultRole: DEFAULT_ROLE, adminRoles: [ADMIN_ROLE], bannedUserMessage: ERROR_CODES.USER_BANNED.message }),
      // After bearer: its hooks hand out set-auth-token, which this plugin keeps from browsers.
      edgeSession({
        config,
        db,
        eventsDb: createDb(env.DB),
        replicaReads: (bookmark) => replicaReads(env.DB, bookmark),
        limiter: env.RATE_LIMITER,
        mailer,
      }),
    ],
    advanced: {
      ...hostOnlyCookies(config),
      // Cloudflare sets cf-connecting-ip itself; x-forwarded-for is whatever the client sent.
      // Sessions record the full address (list-sessions shows it); rate limiting groups IPv6 by /64 itself.
      ipAddress: { ipAddressHeaders: ["cf-connecting-ip"], ipv6Subnet: 128 },
      backgroundTasks: { handler: waitUntil },
      // Stated, so no environment variable (NODE_ENV=test) can switch them off.
      disableCSRFCheck: false,
      disableOriginCheck: false,
    },
    // Its lines go through the redaction of the Worker's own: no token reaches the logs.
    logger: { level: config.development ? "info" : "warn", log: betterAuthLog },
  });
}

export type Auth = ReturnType<typeof createAuth>;

/**
 * Under https, cookies are named `__Host-better-auth.*`: the browser then
 * requires `Secure` and `Path=/` and refuses a `Domain`, so a sibling
 * subdomain cannot plant or overwrite a session cookie (session fixation).
 * Better Auth only knows `__Secure-`, which it would put in front of any
 * name, so its own prefix is switched off and `Secure` is set directly.
 * Plain http (local development) keeps plain names: browsers refuse prefixed
 * cookies without `Secure`.
 */
function hostOnlyCookies(config: Config): BetterAuthAdvancedOptions {
  if (!config.baseURL?.startsWith("https://")) return {};
  return { useSecureCookies: false, cookiePrefix: `__Host-${COOKIE_PREFIX}`, defaultCookieAttributes: { secure: true } };
}
