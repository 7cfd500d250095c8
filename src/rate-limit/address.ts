/** The per-client-address rule: every counted auth path, keyed on `cf-connecting-ip`. */
import { createAuthMiddleware } from "better-auth/api";
import { type Hook, requestHeaders } from "../auth/plugin/context";
import type { RateLimitConfig } from "../config";
import { apiError } from "../errors";
import { logError } from "../log";
import { clientKey, NO_ADDRESS_KEY } from "./client-key";
import type { RateLimitResult, RateLimitRule } from "./durable-object";
import { type LimiterNamespace, limiterFor, rateLimitHeaders } from "./limiter";
import { limitsOf } from "./rules";

/** Requests without a usable client address share a bucket this many times stricter. */
const NO_ADDRESS_DIVISOR = 10;

/**
 * Counts each call per client address; past the rule's limit it answers
 * `429 RATE_LIMITED`. Every counted answer carries the `RateLimit-*`
 * headers. When the limiter is unreachable, credential paths fail closed
 * (`503 RATE_LIMITER_UNAVAILABLE`) and the others go uncounted, so users can
 * still manage and end their sessions.
 */
export function addressLimit(config: RateLimitConfig, limiter: LimiterNamespace): Hook {
  return {
    matcher: (ctx) => limitsOf(ctx.path).address !== null,
    handler: createAuthMiddleware(async (ctx) => {
      const ruleName = limitsOf(ctx.path).address;
      if (!ruleName) return;
      const key = clientKey(requestHeaders(ctx));
      const rule = key === NO_ADDRESS_KEY ? stricter(config[ruleName]) : config[ruleName];
      let result: RateLimitResult;
      try {
        result = await limiterFor(limiter, key).consume(rule);
      } catch (error) {
        logError(`rate limiter unavailable for ${key}`, error);
        if (ruleName === "credentials") throw apiError("RATE_LIMITER_UNAVAILABLE");
        return;
      }
      const headers = rateLimitHeaders(result, rule);
      if (!result.allowed) throw apiError("RATE_LIMITED", { headers });
      for (const [name, value] of Object.entries(headers)) ctx.setHeader(name, value);
    }),
  };
}

function stricter(rule: RateLimitRule): RateLimitRule {
  return { ...rule, name: `${rule.name}:no-address`, limit: Math.max(1, Math.floor(rule.limit / NO_ADDRESS_DIVISOR)) };
}
