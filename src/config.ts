/**
 * Settings read from `[vars]` and secrets, checked once per isolate.
 *
 * Misconfiguration is a {@link ConfigError}: every request then answers
 * `500 MISCONFIGURED` and the log says exactly what is wrong, rather than
 * the Worker running with an unsafe default.
 */
import { ConfigError } from "./errors";

export interface Config {
  /** `ENVIRONMENT === "development"`: `wrangler dev` on a local machine. */
  development: boolean;
  /** Public origin of the Worker, e.g. `https://auth.example.com`; `undefined` in development (follows the request). */
  baseURL: string | undefined;
  /** Origins allowed to send cookie-authenticated requests, besides `baseURL`. */
  trustedOrigins: string[];
  /** `BETTER_AUTH_SECRET`: signs cookies and tokens. At least 32 characters. */
  secret: string;
  /** Session lifetime in seconds. @default 604800 (7 days) */
  sessionExpiresIn: number;
  /** A session used after this many seconds has its expiry pushed back. @default 86400 (1 day) */
  sessionUpdateAge: number;
  /** Refuse sign-in until the email address is verified. @default false */
  requireEmailVerification: boolean;
  /** `outbox` logs mail (development, tests); `send_email` sends it through the `EMAIL` binding. */
  mailTransport: "outbox" | "send_email";
  /** Sender address of verification and reset mail. */
  mailFrom: string;
}

export const MIN_SECRET_LENGTH = 32;

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
  const baseURL = env.BASE_URL ? parseOrigin("BASE_URL", env.BASE_URL) : undefined;
  if (!development && !baseURL) {
    throw new ConfigError("BASE_URL must be set outside development, e.g. https://auth.example.com.");
  }
  if (!development && baseURL && !baseURL.startsWith("https://")) {
    throw new ConfigError(`BASE_URL must use https outside development (got ${baseURL}).`);
  }
  const mailTransport = env.MAIL_TRANSPORT || "outbox";
  if (mailTransport !== "outbox" && mailTransport !== "send_email") {
    throw new ConfigError(`MAIL_TRANSPORT must be "outbox" or "send_email" (got "${mailTransport}").`);
  }
  return {
    development,
    baseURL,
    trustedOrigins: (env.TRUSTED_ORIGINS ?? "")
      .split(",")
      .map((origin) => origin.trim())
      .filter(Boolean)
      .map((origin) => parseOrigin("TRUSTED_ORIGINS", origin)),
    secret,
    sessionExpiresIn: positiveInteger("SESSION_EXPIRES_IN", env.SESSION_EXPIRES_IN, 604_800),
    sessionUpdateAge: positiveInteger("SESSION_UPDATE_AGE", env.SESSION_UPDATE_AGE, 86_400),
    requireEmailVerification: flag("REQUIRE_EMAIL_VERIFICATION", env.REQUIRE_EMAIL_VERIFICATION, false),
    mailTransport,
    mailFrom: env.MAIL_FROM || "no-reply@localhost",
  };
}

function parseOrigin(name: string, value: string): string {
  try {
    return new URL(value).origin;
  } catch {
    throw new ConfigError(`${name} must hold absolute URLs (got "${value}").`);
  }
}

/** Reads a whole number of seconds; an empty value takes the default. */
export function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === "") return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) {
    throw new ConfigError(`${name} must be a positive whole number (got "${value}").`);
  }
  return parsed;
}

/** Reads `true`/`false`; an empty value takes the default. */
export function flag(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value.trim() === "") return fallback;
  if (value === "true") return true;
  if (value === "false") return false;
  throw new ConfigError(`${name} must be "true" or "false" (got "${value}").`);
}
