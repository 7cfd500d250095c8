/**
 * Rate limiting in front of Better Auth, counted by the `RateLimiter` Durable
 * Object: per client address on every auth route, and per account on sign-in.
 * Better Auth's own limiter is off, so each request is counted once.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { getConfig } from "../config";
import { errorResponse } from "../errors";
import { clientKey, NO_ADDRESS_KEY } from "../rate-limit/client-key";
import type { AttemptOutcome, RateLimitResult, RateLimitRule } from "../rate-limit/durable-object";
import type { AppEnv } from "../types";

/** Auth routes that take a password, a reset token or send mail: the tight rule. */
const CREDENTIAL_ROUTES = [
  /^\/sign-in\//,
  /^\/sign-up\//,
  /^\/request-password-reset$/,
  /^\/reset-password(\/|$)/,
  /^\/change-password$/,
  /^\/send-verification-email$/,
  /^\/delete-user$/,
];

/**
 * Session reads are not counted: they answer from KV, and a token that is not
 * correctly signed is refused before any lookup. Counting them would put a
 * Durable Object round trip on every session check.
 */
const UNCOUNTED_ROUTES = [/^\/get-session$/, /^\/session$/];

/** Requests without a usable client address share a bucket this many times stricter. */
const NO_ADDRESS_DIVISOR = 10;

/**
 * Counts `/api/auth/*` requests per client address (`cf-connecting-ip` only)
 * and failed sign-ins per account; answers `429` with `Retry-After` past a
 * limit. Mount it on the auth sub-app, after the body limit.
 *
 * @example
 * ```ts
 * authRoutes.use("*", rateLimit());
 * ```
 */
export function rateLimit() {
  return createMiddleware<AppEnv>(async function rateLimit(c, next) {
    const { enabled, credentials, auth, lockout } = getConfig(c.env).rateLimit;
    const route = c.req.path.replace(/^\/api\/auth/, "");
    if (!enabled || UNCOUNTED_ROUTES.some((pattern) => pattern.test(route))) return next();

    const isCredentialRoute = CREDENTIAL_ROUTES.some((pattern) => pattern.test(route));
    const key = clientKey(c.req.raw.headers);
    const rule = key === NO_ADDRESS_KEY ? stricter(isCredentialRoute ? credentials : auth) : isCredentialRoute ? credentials : auth;

    let result: RateLimitResult;
    try {
      result = await limiter(c.env, key).consume(rule);
    } catch (error) {
      console.error(`rate limiter unavailable for ${key}:`, error);
      // Credential routes fail closed; session management stays up without counting.
      if (isCredentialRoute) return errorResponse("RATE_LIMITER_UNAVAILABLE");
      return next();
    }
    const headers = rateLimitHeaders(result, rule);
    if (!result.allowed) return errorResponse("RATE_LIMITED", { headers });

    const account = c.req.method === "POST" && route === "/sign-in/email" ? await signInAccount(c) : null;
    if (account) {
      let attempt;
      try {
        attempt = await limiter(c.env, account).beginAttempt(lockout);
      } catch (error) {
        console.error("rate limiter unavailable for an account:", error);
        return errorResponse("RATE_LIMITER_UNAVAILABLE", { headers });
      }
      if (!attempt.allowed) {
        headers.set("retry-after", String(attempt.retryAfter));
        return errorResponse("TOO_MANY_ATTEMPTS", { headers });
      }
    }

    await next();
    for (const [name, value] of headers) c.res.headers.set(name, value);
    if (account) {
      await limiter(c.env, account)
        .settleAttempt(outcomeOf(c.res.status))
        .catch((error: unknown) => console.error("could not record a sign-in outcome:", error));
    }
  });
}

function limiter(env: Env, key: string) {
  return env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(key));
}

function stricter(rule: RateLimitRule): RateLimitRule {
  return { ...rule, name: `${rule.name}:no-address`, limit: Math.max(1, Math.floor(rule.limit / NO_ADDRESS_DIVISOR)) };
}

/** The account key of a sign-in body: `account:<trimmed, lower-cased email>`, or `null`. */
async function signInAccount(c: Context<AppEnv>): Promise<string | null> {
  try {
    const body: unknown = await c.req.raw.clone().json();
    if (!body || typeof body !== "object" || !("email" in body) || typeof body.email !== "string") return null;
    const email = body.email.trim().toLowerCase();
    return email ? `account:${email}` : null;
  } catch {
    return null; // Better Auth answers the malformed body.
  }
}

/** 200: the password matched; 403 EMAIL_NOT_VERIFIED also comes after a matching password. */
function outcomeOf(status: number): AttemptOutcome {
  if (status === 200 || status === 403) return "success";
  if (status === 401) return "failure";
  return "void";
}

/** `RateLimit-*` headers (IETF draft), plus `Retry-After` once limited. */
export function rateLimitHeaders(result: RateLimitResult, rule: RateLimitRule): Headers {
  const reset = Math.max(0, Math.ceil((result.resetAt - Date.now()) / 1000));
  const headers = new Headers({
    "ratelimit-limit": String(result.limit),
    "ratelimit-remaining": String(result.remaining),
    "ratelimit-reset": String(reset),
    "ratelimit-policy": `${rule.limit};w=${rule.windowSeconds}`,
  });
  if (!result.allowed) headers.set("retry-after", String(result.retryAfter));
  return headers;
}
