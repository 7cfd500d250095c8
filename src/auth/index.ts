/**
 * The Better Auth instance: configuration and the per-isolate cache.
 *
 * D1 (through Drizzle) holds users, accounts, verification rows and every
 * session row; KV is the secondary storage that answers warm session checks
 * without touching D1. See README.md, "Sessions, D1 and KV".
 */
import type { BetterAuthAdvancedOptions } from "better-auth";
import { betterAuth } from "better-auth/minimal";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { and, eq, gt } from "drizzle-orm";
import { APIError, createAuthMiddleware } from "better-auth/api";
import { bearer } from "better-auth/plugins/bearer";
import { jwt } from "better-auth/plugins/jwt";
import { waitUntil } from "cloudflare:workers";
import { getConfig, type Config } from "../config";
import { createDb, type Db } from "../db/client";
import { withOutageReporting } from "../db/outage";
import { schema, session } from "../db/schema";
import { kvSecondaryStorage, type KvSecondaryStorage, type SecondaryStorage } from "./kv-storage";
import { hashPassword, verifyPassword } from "./password";
import { deleteAbandonedUser } from "./abandoned-users";
import { SessionTrust } from "./session-trust";
import { createMailer, resetPasswordMail, verificationMail } from "./mailer";

/** Hosts the development server answers on, on any port. */
const LOCAL_HOSTS = ["localhost", "localhost:*", "127.0.0.1:*", "[::1]:*"];

/** Where Better Auth is mounted. */
export const AUTH_BASE_PATH = "/api/auth";

/**
 * Builds a Better Auth instance for `env` over `storage` (its KV secondary
 * storage). Prefer {@link getAuth}, which reuses one instance per isolate.
 *
 * @throws {ConfigError} when the environment is misconfigured.
 */
export function createAuth(env: Env, config: Config, db: Db, storage: SecondaryStorage) {
  const mailer = createMailer(config, env);
  return betterAuth({
    appName: "edge-session-worker",
    basePath: AUTH_BASE_PATH,
    // In development the base URL follows the request, so `wrangler dev --port N` works on any port.
    // The fallback serves calls that carry no Host (session checks over RPC).
    baseURL: config.baseURL ?? { allowedHosts: LOCAL_HOSTS, protocol: "auto", fallback: "http://localhost:8787" },
    secret: config.secret,
    trustedOrigins: config.trustedOrigins,
    database: drizzleAdapter(db, { provider: "sqlite", schema }),
    secondaryStorage: storage,
    session: {
      expiresIn: config.sessionExpiresIn,
      updateAge: config.sessionUpdateAge,
      // D1 is the source of truth; KV only caches live sessions.
      storeSessionInDatabase: true,
      // A signed cache cookie would outlive revocation by its maxAge; KV already makes checks cheap.
      cookieCache: { enabled: false },
    },
    // Single-use tokens need an atomic consume, which KV cannot give.
    verification: { storeInDatabase: true },
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
    // Requests are counted by the RateLimiter Durable Object in front of this handler.
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    hooks: {
      before: createAuthMiddleware(async (ctx) => {
        await requirePasswordToDeleteUser(ctx);
        await clearAbandonedSignUp(ctx, db);
      }),
    },
    // Endpoints this service does not offer: social accounts, email change, and
    // verify-password, a password oracle outside the account lockout.
    disabledPaths: [
      "/verify-password",
      "/update-session",
      "/change-email",
      "/sign-in/social",
      "/callback/:id",
      "/link-social",
      "/unlink-account",
      "/list-accounts",
      "/account-info",
      "/get-access-token",
      "/refresh-token",
      "/delete-user/callback",
    ],
    // Only signed tokens (set-auth-token) are accepted: a forged token fails its HMAC before any lookup.
    plugins: [
      bearer({ requireSignature: true }),
      // Short-lived JWTs for services outside Cloudflare: GET /token, verified against GET /jwks.
      jwt({
        jwt: {
          expirationTime: `${config.jwtExpiresIn}s`,
          // Only what a verifier needs; the default would copy the whole user row.
          definePayload: ({ user, session }) => ({ email: user.email, email_verified: user.emailVerified, sid: session.id }),
        },
        // Signing a JWT on every get-session would cost every session check; ask /token instead.
        disableSettingJwtHeader: true,
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
    logger: { level: config.development ? "info" : "warn" },
  });
}

export type Auth = ReturnType<typeof createAuth>;

/** The name every cookie of this Worker starts with (after the `__Host-` prefix, under https). */
const COOKIE_PREFIX = "better-auth";

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

type HookContext = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];

/**
 * Deleting an account is irreversible: ask for the password even on a fresh
 * session (Better Auth would accept a session younger than a day alone).
 */
async function requirePasswordToDeleteUser(ctx: HookContext): Promise<void> {
  if (ctx.path !== "/delete-user") return;
  const body: unknown = ctx.body;
  const password = body && typeof body === "object" && "password" in body ? body.password : undefined;
  if (typeof password !== "string" || password.length === 0) {
    throw new APIError("BAD_REQUEST", { code: "PASSWORD_REQUIRED", message: "Confirm account deletion with your password" });
  }
}

/** A sign-up for an email whose earlier sign-up D1 left half-written starts afresh (see `abandoned-users.ts`). */
async function clearAbandonedSignUp(ctx: HookContext, db: Db): Promise<void> {
  if (ctx.path !== "/sign-up/email") return;
  const body: unknown = ctx.body;
  const email = body && typeof body === "object" && "email" in body ? body.email : undefined;
  if (typeof email === "string" && email.length > 0) await deleteAbandonedUser(db, email);
}

/** Whether D1 holds a live session for `token` (one indexed read). */
async function isLiveSession(db: Db, token: string): Promise<boolean> {
  const rows = await db
    .select({ id: session.id })
    .from(session)
    .where(and(eq(session.token, token), gt(session.expiresAt, new Date())))
    .limit(1);
  return rows.length > 0;
}

/** What an isolate keeps per environment: Better Auth and the storage it reads sessions through. */
export interface AuthRuntime {
  auth: Auth;
  /** Drizzle over D1, with outages reported: the client Better Auth uses. */
  db: Db;
  /** The KV secondary storage, with its trust bound: the session check's fast path reads through it. */
  storage: KvSecondaryStorage;
  config: Config;
}

const runtimes = new WeakMap<Env, AuthRuntime>();

/**
 * The isolate's Better Auth instance and session storage for `env`, built on
 * first use.
 *
 * Building Better Auth costs CPU, so it happens once per isolate; an
 * initialisation that fails is dropped so the next request tries again.
 */
export function getRuntime(env: Env): AuthRuntime {
  let runtime = runtimes.get(env);
  if (!runtime) {
    const config = getConfig(env);
    const db = createDb(withOutageReporting(env.DB));
    const trust = new SessionTrust((token) => isLiveSession(db, token), config.sessionRevalidateSeconds, config.sessionMemorySeconds);
    const storage = kvSecondaryStorage(env.SESSION_KV, { trust });
    const created: AuthRuntime = { auth: createAuth(env, config, db, storage), db, storage, config };
    created.auth.$context.catch(() => {
      if (runtimes.get(env) === created) runtimes.delete(env);
    });
    runtimes.set(env, created);
    runtime = created;
  }
  return runtime;
}

/**
 * The isolate's Better Auth instance for `env`.
 *
 * @example
 * ```ts
 * const session = await getAuth(c.env).api.getSession({ headers: c.req.raw.headers });
 * ```
 */
export function getAuth(env: Env): Auth {
  return getRuntime(env).auth;
}
