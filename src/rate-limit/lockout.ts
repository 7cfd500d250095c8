/**
 * The per-account lockout (NIST SP 800-63B): password checks counted per
 * account across every client address, on one count for unknown devices
 * and one for each device that signed in to the account before
 * (`devices.ts`). docs/rate-limiting.md, "Account lockout".
 */
import { defineRequestState } from "@better-auth/core/context";
import { createAuthMiddleware, isAPIError } from "better-auth/api";
import { bodyString, challengedUser, type FoundSession, type Hook, type HookContext } from "../auth/plugin/context";
import type { RateLimitConfig } from "../config";
import { apiError } from "../errors";
import { logError } from "../log";
import { type AttemptOutcome, type AttemptResult, lockSeconds } from "./durable-object";
import { accountKey } from "./keys";
import { type LimiterNamespace, limiterFor } from "./limiter";
import { limitsOf } from "./rules";

/** The attempt the current call began (its account, and its known device if any), for the after hook to settle. */
const pendingAttempt = defineRequestState<{ account: string; email: string; failures: number; device?: string } | null>(() => null);

/** Who hears of the lockout's verdicts (the security event log): an attempt refused while the account waits, a wait that starts. */
export interface LockoutObserver {
  refused(ctx: HookContext, email: string): void;
  locked(ctx: HookContext, email: string, wait: { seconds: number; failures: number }): void;
}

/** Better Auth's verdicts of a wrong password or a wrong second factor. */
const WRONG = new Set(["INVALID_EMAIL_OR_PASSWORD", "INVALID_PASSWORD", "INVALID_CODE", "INVALID_BACKUP_CODE"]);

/**
 * How a password or code check ended, from Better Auth's answer: only its
 * verdict on the credential counts. A refusal before any was checked (bad
 * input, an untrusted origin or callback URL, an outage) is `void`, and so
 * is a right password that still needs a second factor: clearing the count
 * there would let whoever has the password reset it between guesses at the
 * code.
 */
function attemptOutcome(returned: unknown): AttemptOutcome {
  if (!isAPIError(returned)) {
    const pending = (returned as { twoFactorRedirect?: unknown } | null | undefined)?.twoFactorRedirect === true;
    return pending ? "void" : "success";
  }
  const code = (returned.body as { code?: unknown } | undefined)?.code;
  if (code === "EMAIL_NOT_VERIFIED") return "success"; // the password was right
  return typeof code === "string" && WRONG.has(code) ? "failure" : "void";
}

/** The address of the account a call's check is for, by the path's rule. */
async function accountEmail(ctx: HookContext, readSession: (ctx: HookContext) => Promise<FoundSession | null>) {
  const rule = limitsOf(ctx.path).lockout;
  if (rule === "email") return bodyString(ctx, "email");
  const signedIn = (await readSession(ctx))?.user.email;
  if (signedIn || rule === "session") return signedIn;
  return (await challengedUser(ctx))?.email;
}

/**
 * Before a password check, counts it against the account up front (so
 * parallel guesses cannot all pass one check) or answers
 * `429 TOO_MANY_ATTEMPTS` while the account waits; after it, a success
 * clears the count and a `void` attempt is taken back. A sign-in from a
 * known device goes on that device's own count.
 */
export function accountLockout(
  config: RateLimitConfig,
  limiter: LimiterNamespace,
  readSession: (ctx: HookContext) => Promise<FoundSession | null>,
  devices: { knownDevice(ctx: HookContext, email: string): Promise<string | null> },
  observer?: LockoutObserver,
): { before: Hook; after: Hook } {
  const matcher: Hook["matcher"] = (ctx) => limitsOf(ctx.path).lockout !== undefined;
  return {
    before: {
      matcher,
      handler: createAuthMiddleware(async (ctx) => {
        const email = await accountEmail(ctx, readSession);
        const account = email ? accountKey(email) : null;
        if (!email || !account) return;
        const device = (await devices.knownDevice(ctx, email)) ?? undefined;
        let attempt: AttemptResult;
        try {
          attempt = await limiterFor(limiter, account).beginAttempt(config.lockout, device);
        } catch (error) {
          logError("rate limiter unavailable for an account", error);
          throw apiError("RATE_LIMITER_UNAVAILABLE");
        }
        if (!attempt.allowed) {
          observer?.refused(ctx, email);
          throw apiError("TOO_MANY_ATTEMPTS", { headers: { "retry-after": String(attempt.retryAfter) } });
        }
        await pendingAttempt.set({ account, email, failures: attempt.failures, device });
      }),
    },
    after: {
      matcher,
      handler: createAuthMiddleware(async (ctx) => {
        const attempt = await pendingAttempt.get();
        if (!attempt) return;
        await pendingAttempt.set(null);
        const outcome = attemptOutcome(ctx.context.returned);
        await limiterFor(limiter, attempt.account)
          .settleAttempt(outcome, attempt.device)
          .catch((error: unknown) => logError("could not record a password check", error));
        // This failure reached the threshold: the account (or this known device) now waits.
        if (outcome === "failure" && attempt.failures >= config.lockout.threshold) {
          observer?.locked(ctx, attempt.email, { seconds: lockSeconds(attempt.failures, config.lockout), failures: attempt.failures });
        }
      }),
    },
  };
}
