/**
 * Settings read from `[vars]` and secrets, checked once per isolate.
 *
 * Misconfiguration is a {@link ConfigError}: every request then answers
 * `500 MISCONFIGURED` and the log says exactly what is wrong, rather than
 * the Worker running with an unsafe default.
 */
import { ConfigError } from "./errors";
import type { LockoutPolicy, RateLimitRule } from "./rate-limit/durable-object";

/** Rate limiting and account lockout; see docs/rate-limiting.md. */
export interface RateLimitConfig {
  /** `RATE_LIMIT_ENABLED`. @default true */
  enabled: boolean;
  /** Per client address on credential routes (`RATE_LIMIT_CREDENTIALS`). @default 10 per 60 s */
  credentials: RateLimitRule;
  /** Per client address on the other `/api/auth` routes (`RATE_LIMIT_AUTH`). @default 600 per 60 s */
  auth: RateLimitRule;
  /**
   * Per network on credential routes (`RATE_LIMIT_NETWORK`): each IPv4 /24 and
   * IPv6 /56 gets this, each IPv6 /48 four times it. @default 100 per 60 s
   */
  network: RateLimitRule;
  /** Per recipient inbox on the routes that send mail to any address (`RATE_LIMIT_MAIL`). @default 3 per 900 s */
  mail: RateLimitRule;
  /** Consecutive failed sign-ins per account before it must wait. @default 5, then 30 s doubling to 900 s */
  lockout: LockoutPolicy;
}

/** A secret and its version, as Better Auth's `secrets` option takes them. */
export interface VersionedSecret {
  version: number;
  value: string;
}

/**
 * The Worker's settings, from `[vars]` and secrets (see README.md, "Configuration").
 *
 * @example
 * ```ts
 * const { sessionExpiresIn } = readConfig(env);
 * ```
 */
export interface Config {
  /**
   * `ENVIRONMENT === "development"`: `wrangler dev` on a local machine. Other
   * values (`production`, `test`) get production rules; `test` may use the outbox.
   */
  development: boolean;
  /** Public origin of the Worker, e.g. `https://auth.example.com`; `undefined` in development (follows the request). */
  baseURL: string | undefined;
  /** Origins allowed to send cookie-authenticated requests, besides `baseURL`: plain `scheme://host[:port]`, never patterns. */
  trustedOrigins: string[];
  /**
   * The secrets, current first: it signs cookies and tokens and seals the JWT
   * keys; the others (previous secrets, during a rotation) still verify
   * signatures. `BETTER_AUTH_SECRETS` (`<version>:<secret>,...`), or else
   * `BETTER_AUTH_SECRET` as version 0. Each has at least 32 characters.
   * See docs/security.md, "Rotating the secret".
   */
  secrets: VersionedSecret[];
  /**
   * `BETTER_AUTH_SECRET`. With `BETTER_AUTH_SECRETS` set it signs nothing:
   * Better Auth only opens data sealed before versioned secrets with it.
   */
  secret: string;
  /** Session lifetime in seconds. @default 604800 (7 days) */
  sessionExpiresIn: number;
  /** A session used after this many seconds has its expiry pushed back. @default 86400 (1 day) */
  sessionUpdateAge: number;
  /**
   * How long a session copy cached in KV is trusted before D1 confirms it again:
   * the longest a revoked session can still be accepted at another location.
   * 0 confirms every check with D1. @default 30
   */
  sessionRevalidateSeconds: number;
  /**
   * How long an isolate's session checks reuse the copy it read from KV
   * before reading KV again: how much longer than KV itself a session deleted
   * at this location can still be accepted by the location's other isolates.
   * Never longer than `sessionRevalidateSeconds`; 0 reads KV on every check.
   * @default 10
   */
  sessionMemorySeconds: number;
  /**
   * Absolute lifetime of a session, in seconds after its sign-in: renewal
   * never extends it past this. @default 2592000 (30 days, NIST SP 800-63B AAL1)
   */
  sessionMaxAge: number;
  /** Sessions a user may hold; a sign-in beyond it ends the least recently used. @default 10 */
  sessionMaxPerUser: number;
  /**
   * How recently a session must have authenticated (signed in or
   * re-authenticated), in seconds, to end other sessions or act as an admin on them.
   * @default 900
   */
  reauthMaxAge: number;
  /** Addresses whose accounts, once verified, are admins (`ADMIN_EMAILS`, comma-separated, lower-cased). @default none */
  adminEmails: string[];
  /** Lifetime of JWTs from `/api/auth/token`, in seconds. They cannot be revoked. @default 900 */
  jwtExpiresIn: number;
  /**
   * Give no session until the email address is verified: sign-up signs in
   * nobody, sign-in answers `403 EMAIL_NOT_VERIFIED`. @default true
   * (`npm run dev` sets it to false in .dev.vars)
   */
  requireEmailVerification: boolean;
  /** `send_email` sends mail through the `EMAIL` binding; `outbox` logs it (development and tests only). @default "send_email" */
  mailTransport: "outbox" | "send_email";
  /** Sender address of verification and reset mail. */
  mailFrom: string;
  /** Days the security events are kept before the purge deletes them (`AUTH_EVENT_RETENTION_DAYS`). @default 90 */
  authEventRetentionDays: number;
  /**
   * Days a device (its label without version, and its country) stays known to an
   * account after a sign-in from it: a sign-in from one not seen within them mails the
   * user (`NEW_DEVICE_WINDOW_DAYS`). @default 90
   */
  newDeviceWindowDays: number;
  rateLimit: RateLimitConfig;
  /** The name the account pages show (`APP_NAME`, at most 64 characters). @default "Edge Session" */
  appName: string;
  /** The account pages' accent colour (`ACCENT_COLOR`, `#rrggbb` or `#rgb`, lower-cased to `#rrggbb`). @default "#2563eb" */
  accentColor: string;
}

const MIN_SECRET_LENGTH = 32;

/**
 * Parses the Worker's environment.
 *
 * @throws {ConfigError} when a setting is missing or unsafe.
 */
export function readConfig(env: Env): Config {
  const development = env.ENVIRONMENT === "development";
  const secret = env.BETTER_AUTH_SECRET ?? "";
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(
      `BETTER_AUTH_SECRET is ${secret ? "shorter than" : "missing; it needs at least"} ${MIN_SECRET_LENGTH} characters. ` +
        (development
          ? "`npm run dev` writes one to .dev.vars; delete the file to have it regenerated."
          : "Set it with `wrangler secret put BETTER_AUTH_SECRET` (e.g. the output of `openssl rand -base64 32`)."),
    );
  }
  // Better Auth would read BETTER_AUTH_SECRETS itself, without a length check: it is read here and passed on.
  const secrets = env.BETTER_AUTH_SECRETS?.trim() ? versionedSecrets(env.BETTER_AUTH_SECRETS) : [{ version: 0, value: secret }];
  // Better Auth would add this variable's origins (wildcards included) to TRUSTED_ORIGINS without their checks.
  if ((env as { BETTER_AUTH_TRUSTED_ORIGINS?: unknown }).BETTER_AUTH_TRUSTED_ORIGINS !== undefined) {
    throw new ConfigError("BETTER_AUTH_TRUSTED_ORIGINS is not read by this Worker's checks; list the origins in TRUSTED_ORIGINS instead.");
  }
  const baseURL = env.BASE_URL ? parseOrigin("BASE_URL", env.BASE_URL) : undefined;
  if (!development && !baseURL) {
    throw new ConfigError("BASE_URL must be set outside development, e.g. https://auth.example.com.");
  }
  if (!development && baseURL && !baseURL.startsWith("https://")) {
    throw new ConfigError(`BASE_URL must use https outside development (got ${baseURL}).`);
  }
  const mailTransport = env.MAIL_TRANSPORT || "send_email";
  if (mailTransport !== "outbox" && mailTransport !== "send_email") {
    throw new ConfigError(`MAIL_TRANSPORT must be "outbox" or "send_email" (got "${mailTransport}").`);
  }
  // The outbox writes reset links, which are credentials, to the logs.
  if (mailTransport === "outbox" && !development && env.ENVIRONMENT !== "test") {
    throw new ConfigError('MAIL_TRANSPORT = "outbox" is for development and tests only; use "send_email".');
  }
  if (mailTransport === "send_email" && !env.MAIL_FROM) {
    throw new ConfigError("MAIL_FROM must be set to send mail, e.g. no-reply@example.com on a domain set up for Email Service.");
  }
  return {
    development,
    baseURL,
    trustedOrigins: (env.TRUSTED_ORIGINS ?? "")
      .split(",")
      .map((origin) => origin.trim())
      .filter(Boolean)
      .map((origin) => plainOrigin("TRUSTED_ORIGINS", origin)),
    secrets,
    secret,
    sessionExpiresIn: integer("SESSION_EXPIRES_IN", env.SESSION_EXPIRES_IN, 604_800),
    sessionUpdateAge: integer("SESSION_UPDATE_AGE", env.SESSION_UPDATE_AGE, 86_400),
    jwtExpiresIn: integer("JWT_EXPIRES_IN", env.JWT_EXPIRES_IN, 900),
    sessionRevalidateSeconds: integer("SESSION_REVALIDATE_SECONDS", env.SESSION_REVALIDATE_SECONDS, 30, 0),
    sessionMemorySeconds: integer("SESSION_MEMORY_SECONDS", env.SESSION_MEMORY_SECONDS, 10, 0),
    sessionMaxAge: integer("SESSION_MAX_AGE", env.SESSION_MAX_AGE, 2_592_000),
    sessionMaxPerUser: integer("SESSION_MAX_PER_USER", env.SESSION_MAX_PER_USER, 10),
    reauthMaxAge: integer("REAUTH_MAX_AGE", env.REAUTH_MAX_AGE, 900),
    adminEmails: (env.ADMIN_EMAILS ?? "")
      .split(",")
      .map((email) => email.trim().toLowerCase())
      .filter(Boolean),
    requireEmailVerification: flag("REQUIRE_EMAIL_VERIFICATION", env.REQUIRE_EMAIL_VERIFICATION, true),
    mailTransport,
    mailFrom: env.MAIL_FROM || "no-reply@localhost",
    authEventRetentionDays: integer("AUTH_EVENT_RETENTION_DAYS", env.AUTH_EVENT_RETENTION_DAYS, 90),
    newDeviceWindowDays: integer("NEW_DEVICE_WINDOW_DAYS", env.NEW_DEVICE_WINDOW_DAYS, 90),
    rateLimit: {
      enabled: flag("RATE_LIMIT_ENABLED", env.RATE_LIMIT_ENABLED, true),
      credentials: rule("credentials", "RATE_LIMIT_CREDENTIALS", env.RATE_LIMIT_CREDENTIALS, "10/60"),
      auth: rule("auth", "RATE_LIMIT_AUTH", env.RATE_LIMIT_AUTH, "600/60"),
      network: rule("network", "RATE_LIMIT_NETWORK", env.RATE_LIMIT_NETWORK, "100/60"),
      mail: rule("mail", "RATE_LIMIT_MAIL", env.RATE_LIMIT_MAIL, "3/900"),
      lockout: {
        threshold: integer("LOCKOUT_THRESHOLD", env.LOCKOUT_THRESHOLD, 5),
        baseSeconds: integer("LOCKOUT_BASE_SECONDS", env.LOCKOUT_BASE_SECONDS, 30),
        maxSeconds: integer("LOCKOUT_MAX_SECONDS", env.LOCKOUT_MAX_SECONDS, 900),
      },
    },
    appName: appName(env.APP_NAME),
    accentColor: hexColour("ACCENT_COLOR", env.ACCENT_COLOR, "#2563eb"),
  };
}

const MAX_APP_NAME_LENGTH = 64;

/** Reads `APP_NAME`: shown in every page's title and header. */
function appName(value: string | undefined): string {
  const name = value?.trim() || "Edge Session";
  if (name.length > MAX_APP_NAME_LENGTH) throw new ConfigError(`APP_NAME must have at most ${MAX_APP_NAME_LENGTH} characters.`);
  return name;
}

/** Reads a colour as `#rrggbb` (or `#rgb`), returned as lower-case `#rrggbb`; an empty value takes the default. */
function hexColour(name: string, value: string | undefined, fallback: string): string {
  const text = value?.trim() || fallback;
  const match = text.match(/^#([0-9a-f]{3}|[0-9a-f]{6})$/i);
  if (!match?.[1]) throw new ConfigError(`${name} must be a colour like "#2563eb" (got "${text}").`);
  const hex = match[1].length === 3 ? [...match[1]].map((digit) => digit + digit).join("") : match[1];
  return `#${hex.toLowerCase()}`;
}

/** Reads `"<limit>/<window seconds>"`, e.g. `"10/60"`. */
function rule(name: string, variable: string, value: string | undefined, fallback: string): RateLimitRule {
  const text = value?.trim() || fallback;
  const match = text.match(/^(\d+)\s*\/\s*(\d+)$/);
  const limit = Number(match?.[1]);
  const windowSeconds = Number(match?.[2]);
  if (!match || limit < 1 || windowSeconds < 1) {
    throw new ConfigError(`${variable} must look like "10/60" (requests per seconds), got "${text}".`);
  }
  return { name, limit, windowSeconds };
}

/**
 * Reads Better Auth's `BETTER_AUTH_SECRETS` format, `<version>:<secret>,...`
 * with the current secret first, and checks what Better Auth would only warn
 * about (or fail on later, with a bare 500). Messages name entries, never
 * their secret.
 */
function versionedSecrets(value: string): VersionedSecret[] {
  const secrets = value.split(",").map((entry, index) => {
    const match = entry.trim().match(/^(\d{1,9}):(.*)$/s);
    if (!match) throw new ConfigError(`BETTER_AUTH_SECRETS entry ${index + 1} is not "<version>:<secret>" (versions are whole numbers).`);
    const secret = { version: Number(match[1]), value: (match[2] ?? "").trim() };
    if (secret.value.length < MIN_SECRET_LENGTH) {
      throw new ConfigError(`BETTER_AUTH_SECRETS version ${secret.version} is shorter than ${MIN_SECRET_LENGTH} characters.`);
    }
    return secret;
  });
  const versions = new Set(secrets.map((secret) => secret.version));
  if (versions.size < secrets.length) throw new ConfigError("BETTER_AUTH_SECRETS lists a version twice; each secret needs its own.");
  return secrets;
}

function parseOrigin(name: string, value: string): string {
  try {
    return new URL(value).origin;
  } catch {
    throw new ConfigError(`${name} must hold absolute URLs (got "${value}").`);
  }
}

/**
 * Reads a plain origin, `scheme://host[:port]`. Better Auth would read `*`
 * as a wildcard (`https://*` trusts every https site) and the CORS layer
 * compares exactly, so anything else (patterns, paths, `null`) is refused
 * rather than read two ways.
 */
function plainOrigin(name: string, value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {}
  const plain = url && /^https?:$/.test(url.protocol) && !url.host.includes("*") && value.replace(/\/$/, "") === url.origin;
  if (!url || !plain) {
    throw new ConfigError(`${name} must list plain origins, scheme://host[:port] with no wildcard, path or "null" (got "${value}").`);
  }
  return url.origin;
}

/** Reads a whole number, at least `min`; an empty value takes the default. */
function integer(name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined || value.trim() === "") return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min) {
    throw new ConfigError(`${name} must be a whole number, ${min} or more (got "${value}").`);
  }
  return parsed;
}

/** Reads `true`/`false`; an empty value takes the default. */
function flag(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value.trim() === "") return fallback;
  if (value === "true") return true;
  if (value === "false") return false;
  throw new ConfigError(`${name} must be "true" or "false" (got "${value}").`);
}
