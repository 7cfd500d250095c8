/**
 * Rate limiting as Better Auth hooks, counted by the `RateLimiter` Durable
 * Object: one rule per file, one table of the paths each covers (`rules.ts`).
 * Better Auth's own limiter is off, so each call is counted once.
 */

import type { FoundSession, Hook, HookContext } from "../auth/plugin/context";
import type { RateLimitConfig } from "../config";
import { addressLimit } from "./address";
import type { LimiterNamespace } from "./limiter";
import { accountLockout } from "./lockout";
import { recipientLimit } from "./recipient";

/**
 * The hooks that apply the limits, in order: client address, recipient
 * inbox, account lockout. None when `RATE_LIMIT_ENABLED` is `false`.
 */
export function rateLimitHooks(
  config: RateLimitConfig,
  limiter: LimiterNamespace,
  readSession: (ctx: HookContext) => Promise<FoundSession | null>,
): { before: Hook[]; after: Hook[] } {
  if (!config.enabled) return { before: [], after: [] };
  const lockout = accountLockout(config, limiter, readSession);
  return {
    before: [addressLimit(config, limiter), recipientLimit(config, limiter, readSession), lockout.before],
    after: [lockout.after],
  };
}
