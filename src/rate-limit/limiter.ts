/** Reaching the `RateLimiter` objects, and the headers their answers give. */
import type { RateLimiter, RateLimitResult, RateLimitRule } from "./durable-object";

export type LimiterNamespace = DurableObjectNamespace<RateLimiter>;

/** The `RateLimiter` object for `key` (one per client address, account or inbox). */
export function limiterFor(namespace: LimiterNamespace, key: string) {
  return namespace.get(namespace.idFromName(key));
}

/** `RateLimit-*` headers (IETF draft), plus `Retry-After` once limited. */
export function rateLimitHeaders(result: RateLimitResult, rule: RateLimitRule): Record<string, string> {
  const headers: Record<string, string> = {
    "ratelimit-limit": String(result.limit),
    "ratelimit-remaining": String(result.remaining),
    "ratelimit-reset": String(Math.max(0, Math.ceil((result.resetAt - Date.now()) / 1000))),
    "ratelimit-policy": `${rule.limit};w=${rule.windowSeconds}`,
  };
  if (!result.allowed) headers["retry-after"] = String(result.retryAfter);
  return headers;
}
