/**
 * Failed sign-ins under attack: counted per account and minute by the
 * account's `RateLimiter` object (the one its lockout uses), so the count is
 * the same across every isolate and location, and only a sample of them is
 * written to D1. docs/activity.md, "The flood bound".
 */
import { accountKey } from "../rate-limit/keys";
import { type LimiterNamespace, limiterFor } from "../rate-limit/limiter";

/** The minute's counter, in the account's object: a window of 60 s from its first failure. */
const FAILED_SIGN_INS = { name: "failed-sign-ins", limit: 2 ** 31, windowSeconds: 60 };

/**
 * Counts a failed sign-in for `email`: which failure of its account's minute
 * this is, and when that minute began (epoch ms). `null` for an empty address.
 *
 * @example
 * ```ts
 * const { count, windowStart } = (await countFailure(env.RATE_LIMITER, "ada@example.com"))!;
 * ```
 */
export async function countFailure(limiter: LimiterNamespace, email: string): Promise<{ count: number; windowStart: number } | null> {
  const key = accountKey(email);
  if (!key) return null;
  const result = await limiterFor(limiter, key).consume(FAILED_SIGN_INS);
  return { count: result.limit - result.remaining, windowStart: result.resetAt - FAILED_SIGN_INS.windowSeconds * 1000 };
}

/**
 * Whether the `count`th failure of a minute is written: the 1st, 2nd, 4th,
 * 8th and every power of two. The row then says at least half of the true
 * count, in 1 + log2(count) writes.
 *
 * @example
 * ```ts
 * [1, 2, 3, 4, 5, 8].filter(isSampled); // [1, 2, 4, 8]
 * ```
 */
export function isSampled(count: number): boolean {
  return count > 0 && (count & (count - 1)) === 0;
}
