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
 * however many client addresses; past `RATE_LIMIT_MAIL` it answers
 * `429 TOO_MANY_EMAILS` with `Retry-After` and sends nothing. A signed-in
 * user's request for their own mail is not counted where the path says so
 * (`others`). The answer is the same whether the address has an account.
 */
export function recipientLimit(
  config: RateLimitConfig,
  limiter: LimiterNamespace,
  readSession: (ctx: HookContext) => Promise<FoundSession | null>,
): Hook {
  return {
    matcher: (ctx) => limitsOf(ctx.path).recipient !== undefined,
    handler: createAuthMiddleware(async (ctx) => {
      const email = bodyString(ctx, "email")?.trim().toLowerCase();
      if (!email) return; // Better Auth refuses the body.
      if (limitsOf(ctx.path).recipient === "others") {
        const own = await readSession(ctx);
        if (own?.user.email.toLowerCase() === email) return;
      }
      let result: RateLimitResult;
      try {
        result = await limiterFor(limiter, recipientKey(email)).consume(config.mail);
      } catch (error) {
        logError("rate limiter unavailable for a recipient", error);
        throw apiError("RATE_LIMITER_UNAVAILABLE");
      }
      // Only Retry-After: the inbox's count would tell anyone whether others asked for mail to it.
      if (!result.allowed) throw apiError("TOO_MANY_EMAILS", { headers: { "retry-after": String(result.retryAfter) } });
    }),
  };
}
