/** The per-client-address rule: every counted auth path, keyed on `cf-connecting-ip`. */
import { createAuthMiddleware } from "better-auth/api";
import { type Hook, requestHeaders } from "../auth/plugin/context";
import type { RateLimitConfig } from "../config";
import { apiError } from "../errors";
import { logError } from "../log";
import { clientKey, NO_ADDRESS_KEY, networkKeys } from "./client-key";
import type { RateLimitResult, RateLimitRule } from "./durable-object";
import { type LimiterNamespace, limiterFor, rateLimitHeaders } from "./limiter";
import { limitsOf } from "./rules";

/** Requests without a usable client address share a bucket this many times stricter. */
const NO_ADDRESS_DIVISOR = 10;

/**
 * Counts each call per client address; past the rule's limit it answers
 * `429 RATE_LIMITED`. Credential routes are also counted per network (an
 * IPv4 /24, an IPv6 /56 and /48: `RATE_LIMIT_NETWORK`), so an attacker with
 * many addresses in one network gets no more guesses than the network's
 * budget. Every counted answer carries the `RateLimit-*` headers of the
 * client address's rule. When the limiter is unreachable, credential paths
 * fail closed (`503 RATE_LIMITER_UNAVAILABLE`) and the others go uncounted,
 * so users can still manage and end their sessions.
 */
export function addressLimit(config: RateLimitConfig, limiter: LimiterNamespace): Hook {
  return {
    matcher: (ctx) => limitsOf(ctx.path).address !== null,
    handler: createAuthMiddleware(async (ctx) => {
      const ruleName = limitsOf(ctx.path).address;
      if (!ruleName) return;
      const callHeaders = requestHeaders(ctx);
      const key = clientKey(callHeaders);
      const rule = key === NO_ADDRESS_KEY ? stricter(config[ruleName]) : config[ruleName];
      const networks = ruleName === "credentials" ? networkKeys(callHeaders) : [];
      let own: RateLimitResult;
      let perNetwork: RateLimitResult[];
      try {
        [own, ...perNetwork] = await Promise.all([
          limiterFor(limiter, key).consume(rule),
          ...networks.map((network) => limiterFor(limiter, network.key).consume(scaled(config.network, network.scale))),
        ]);
      } catch (error) {
        logError(`rate limiter unavailable for ${key}`, error);
        if (ruleName === "credentials") throw apiError("RATE_LIMITER_UNAVAILABLE");
        return;
      }
      const headers = rateLimitHeaders(own, rule);
      if (!own.allowed) throw apiError("RATE_LIMITED", { headers });
      const network = perNetwork.find((result) => !result.allowed);
      if (network) throw apiError("RATE_LIMITED", { headers: { ...headers, "retry-after": String(network.retryAfter) } });
      for (const [name, value] of Object.entries(headers)) ctx.setHeader(name, value);
    }),
  };
}

function stricter(rule: RateLimitRule): RateLimitRule {
  return { ...rule, name: `${rule.name}:no-address`, limit: Math.max(1, Math.floor(rule.limit / NO_ADDRESS_DIVISOR)) };
}

function scaled(rule: RateLimitRule, scale: number): RateLimitRule {
  return scale === 1 ? rule : { ...rule, limit: rule.limit * scale };
}
