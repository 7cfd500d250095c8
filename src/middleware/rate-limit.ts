/**
 * Rate limiting in front of Better Auth, counted by the `RateLimiter` Durable
 * Object: per client address on every auth route, per account on password
 * checks, and per recipient on the routes that mail any address given.
 * Better Auth's own limiter is off, so each request is counted once.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { getConfig } from "../config";
import { lookupSession } from "../auth/validate";
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
 * Routes that send mail to the address in the body, whoever asks: counted per
 * recipient inbox as well, so requests from many addresses cannot flood one.
 */
const MAIL_ROUTES = ["/sign-up/email", "/request-password-reset", "/send-verification-email"];

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
 * and failed password checks per account; answers `429` with `Retry-After`
 * past a limit. Mount it on the auth sub-app, after the body limit.
 *
 * @example
 * ```ts
 * authRoutes.use("*", rateLimit());
 * ```
 */
export function rateLimit() {
  return createMiddleware<AppEnv>(async function rateLimit(c, next) {
    const { enabled, credentials, auth, mail, lockout } = getConfig(c.env).rateLimit;
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

    const recipient = c.req.method === "POST" && MAIL_ROUTES.includes(route) ? await mailRecipient(c, route) : null;
    if (recipient) {
      let mailed: RateLimitResult;
      try {
        mailed = await limiter(c.env, recipient).consume(mail);
      } catch (error) {
        console.error("rate limiter unavailable for a recipient:", error);
        return errorResponse("RATE_LIMITER_UNAVAILABLE", { headers });
      }
      // Only Retry-After: the recipient's count would tell anyone whether others asked for mail to that address.
      if (!mailed.allowed) return errorResponse("TOO_MANY_EMAILS", { headers: { "retry-after": String(mailed.retryAfter) } });
    }

    const guarded = c.req.method === "POST" ? PASSWORD_ROUTES[route] : undefined;
    const account = guarded ? await guarded.account(c) : null;
    if (guarded && account) {
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
    if (guarded && account) {
      const outcome = guarded.outcome(c.res.status, await errorCode(c.res));
      await limiter(c.env, account)
        .settleAttempt(outcome)
        .catch((error: unknown) => console.error("could not record a password check:", error));
    }
  });
}

/**
 * Routes that check a password, counted per account (NIST SP 800-63B): the
 * account is the email signed in with, or the session's user. The outcome
 * comes from Better Auth's error code, not the status alone: a 403 for a
 * bad callback URL or origin checked no password and must not clear failures.
 */
const PASSWORD_ROUTES: Record<string, { account: (c: Context<AppEnv>) => Promise<string | null>; outcome: (status: number, code: string | null) => AttemptOutcome }> = {
  "/sign-in/email": {
    account: signInAccount,
    outcome: (status, code) =>
      status === 200 || code === "EMAIL_NOT_VERIFIED" ? "success" : code === "INVALID_EMAIL_OR_PASSWORD" ? "failure" : "void",
  },
  "/change-password": { account: sessionAccount, outcome: passwordOutcome },
  "/delete-user": { account: sessionAccount, outcome: passwordOutcome },
};

function passwordOutcome(status: number, code: string | null): AttemptOutcome {
  if (status === 200) return "success";
  return code === "INVALID_PASSWORD" ? "failure" : "void";
}

/** Better Auth's error code in a JSON error response, or `null`. */
async function errorCode(response: Response): Promise<string | null> {
  if (response.ok || !response.headers.get("content-type")?.includes("json")) return null;
  try {
    const body: unknown = await response.clone().json();
    return body && typeof body === "object" && "code" in body && typeof body.code === "string" ? body.code : null;
  } catch {
    return null;
  }
}

/** The account of the session making the request: `account:<email>`, or `null`. */
async function sessionAccount(c: Context<AppEnv>): Promise<string | null> {
  const { user } = await lookupSession(c.env, c.req.raw.headers, { disableRefresh: true });
  return user ? accountKey(user.email) : null;
}

function accountKey(email: string): string | null {
  const normalised = email.trim().toLowerCase();
  return normalised ? `account:${normalised}` : null;
}

function limiter(env: Env, key: string) {
  return env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(key));
}

function stricter(rule: RateLimitRule): RateLimitRule {
  return { ...rule, name: `${rule.name}:no-address`, limit: Math.max(1, Math.floor(rule.limit / NO_ADDRESS_DIVISOR)) };
}

/** The account key of a sign-in body: `account:<trimmed, lower-cased email>`, or `null`. */
async function signInAccount(c: Context<AppEnv>): Promise<string | null> {
  const email = await bodyEmail(c);
  return email ? accountKey(email) : null;
}

/**
 * The recipient key of a mail route's request, or `null` when it is not
 * counted: a signed-in user asking for their own verification mail is not
 * (nobody else can use up their allowance), and neither is a body without an
 * email (Better Auth refuses it).
 */
async function mailRecipient(c: Context<AppEnv>, route: string): Promise<string | null> {
  const email = await bodyEmail(c);
  if (!email) return null;
  if (route === "/send-verification-email") {
    const { user } = await lookupSession(c.env, c.req.raw.headers, { disableRefresh: true });
    if (user && user.email.toLowerCase() === email) return null;
  }
  return recipientKey(email);
}

/**
 * One key per inbox: `mail:<address>`, lower-cased, without a `+tag` in the
 * local part, and for Gmail without dots, so `Victim+1@…` and `v.ictim@gmail.com`
 * count against the same allowance as the address they deliver to.
 */
export function recipientKey(email: string): string {
  const normalised = email.trim().toLowerCase();
  const at = normalised.lastIndexOf("@");
  if (at < 1) return `mail:${normalised}`;
  let local = normalised.slice(0, at).split("+")[0] || normalised.slice(0, at);
  let domain = normalised.slice(at + 1);
  if (domain === "gmail.com" || domain === "googlemail.com") {
    local = local.replaceAll(".", "");
    domain = "gmail.com";
  }
  return `mail:${local}@${domain}`;
}

/** The `email` of a JSON body, trimmed and lower-cased; `null` when there is none. */
async function bodyEmail(c: Context<AppEnv>): Promise<string | null> {
  try {
    const body: unknown = await c.req.raw.clone().json();
    if (!body || typeof body !== "object" || !("email" in body) || typeof body.email !== "string") return null;
    return body.email.trim().toLowerCase() || null;
  } catch {
    return null; // Better Auth answers the malformed body.
  }
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
