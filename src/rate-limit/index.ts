/**
 * Rate limiting as Better Auth hooks, counted by the `RateLimiter` Durable
 * Object: one rule per file, one table of the paths each covers (`rules.ts`).
 * Better Auth's own limiter is off, so each call is counted once.
 */

import type { FoundSession, Hook, HookContext, KeysOf } from "../auth/plugin/context";
import type { RateLimitConfig } from "../config";
import { addressLimit } from "./address";
import { deviceTokens } from "./devices";
import type { LimiterNamespace } from "./limiter";
import { accountLockout, type LockoutObserver } from "./lockout";
import { recipientLimit } from "./recipient";

/**
 * The hooks that apply the limits, in order: client address, recipient
 * inbox, account lockout; and after a sign-in, the device token that keeps
 * the device's own lockout count. None when `RATE_LIMIT_ENABLED` is `false`.
 * `observer` hears of refused attempts and of locks that start.
 */
export function rateLimitHooks(
  config: RateLimitConfig,
  limiter: LimiterNamespace,
  readSession: (ctx: HookContext) => Promise<FoundSession | null>,
  keysOf: KeysOf,
  observer?: LockoutObserver,
): { before: Hook[]; after: Hook[] } {
  if (!config.enabled) return { before: [], after: [] };
  const devices = deviceTokens(keysOf);
  const lockout = accountLockout(config, limiter, readSession, devices, observer);
  return {
    before: [addressLimit(config, limiter), recipientLimit(config, limiter, readSession), lockout.before],
    after: [lockout.after, devices.issueDevice],
  };
}
