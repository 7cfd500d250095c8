/** The per-inbox mail rule: routes that mail the `email` in the body, whoever asks. */
import { createAuthMiddleware } from "better-auth/api";
import { bodyString, type FoundSession, type Hook, type HookContext } from "../auth/plugin/context";
import type { RateLimitConfig } from "../config";
import { apiError } from "../errors";
import { logError } from "../log";
import type { RateLimitResult } from "./durable-object";
import { recipientKey } from "./keys";
import { type LimiterNamespace, limiterFor } from "./limiter";
import { limitsOf } from "./rules";

/**
 * Counts each mail request against its recipient's inbox (`keys.ts`), from
 * however many client addresses, and, when a signed-in user asks, against
 * that user too: an address squatted by signing up with it buys no extra
 * mail. Past `RATE_LIMIT_MAIL` on either it answers `429 TOO_MANY_EMAILS`
 * with `Retry-After` and sends nothing. The answer is the same whether the
 * address has an account.
 */
export function recipientLimit(
  config: RateLimitConfig,
  limiter: LimiterNamespace,
  readSession: (ctx: HookContext) => Promise<FoundSession | null>,
): Hook {
  return {
    matcher: (ctx) => limitsOf(ctx.path).mail === true,
    handler: createAuthMiddleware(async (ctx) => {
      const email = bodyString(ctx, "email")?.trim().toLowerCase();
      if (!email) return; // Better Auth refuses the body.
      const sender = await readSession(ctx);
      const keys = [recipientKey(email), ...(sender ? [`mail-user:${sender.user.id}`] : [])];
      let results: RateLimitResult[];
      try {
        results = await Promise.all(keys.map((key) => limiterFor(limiter, key).consume(config.mail)));
      } catch (error) {
        logError("rate limiter unavailable for a recipient", error);
        throw apiError("RATE_LIMITER_UNAVAILABLE");
      }
      const refused = results.find((result) => !result.allowed);
      // Only Retry-After: the inbox's count would tell anyone whether others asked for mail to it.
      if (refused) throw apiError("TOO_MANY_EMAILS", { headers: { "retry-after": String(refused.retryAfter) } });
    }),
  };
}
