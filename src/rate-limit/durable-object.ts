/**
 * `RateLimiter`: one Durable Object per key (a client address, an account or
 * an inbox), counting in its own SQLite storage. Each method checks and
 * counts in one synchronous step, so parallel requests cannot slip past a
 * limit. Windows are fixed; an alarm deletes expired counters.
 * docs/rate-limiting.md.
 */
import { DurableObject } from "cloudflare:workers";

/** A limit of `limit` requests per `windowSeconds`, named so one object can hold several. */
export interface RateLimitRule {
  name: string;
  limit: number;
  windowSeconds: number;
}

export interface RateLimitResult {
  allowed: boolean;
  limit: number;
  /** Requests left in the window after this one. */
  remaining: number;
  /** When the window ends, epoch milliseconds. */
  resetAt: number;
  /** Seconds to wait before retrying; 0 when allowed. */
  retryAfter: number;
}

/** Consecutive failed sign-ins before an account starts to wait, and how the wait grows. */
export interface LockoutPolicy {
  /** Failures allowed before the first lock. */
  threshold: number;
  /** The first lock's length; each further failure doubles it. */
  baseSeconds: number;
  /** The longest lock. */
  maxSeconds: number;
}

export interface AttemptResult {
  allowed: boolean;
  /** Consecutive failures counted so far, this attempt included when allowed. */
  failures: number;
  /** Seconds until the next attempt is accepted; 0 when allowed. */
  retryAfter: number;
}

/** How a sign-in attempt ended: `void` when no password was checked (bad input, outage). */
export type AttemptOutcome = "success" | "failure" | "void";

/** The failure count of devices not known to the account. */
const ATTEMPTS = "sign-in-attempts";

/** The failure count an attempt goes on: its known device's own, or that of every other device. */
function attemptCounter(device: string | undefined): string {
  return device ? `sign-in-attempts:device:${device}` : ATTEMPTS;
}

/**
 * One counter store per key, reached over RPC.
 *
 * @example
 * ```ts
 * const limiter = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName("ip:192.0.2.1"));
 * const { allowed, retryAfter } = await limiter.consume({ name: "credentials", limit: 10, windowSeconds: 60 });
 * ```
 */
export class RateLimiter extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.createSchema();
  }

  /** Counts one request against `rule` and says whether it may go ahead. */
  async consume(rule: RateLimitRule): Promise<RateLimitResult> {
    const now = Date.now();
    const current = this.read(rule.name, now);
    const resetAt = current?.resetAt ?? now + rule.windowSeconds * 1000;
    const count = current?.count ?? 0;
    if (count >= rule.limit) {
      return { allowed: false, limit: rule.limit, remaining: 0, resetAt, retryAfter: secondsUntil(resetAt, now) };
    }
    // Read and write above are synchronous: nothing else runs in this object between them.
    this.write(rule.name, count + 1, resetAt, now);
    await this.cleanUpBy(resetAt);
    return { allowed: true, limit: rule.limit, remaining: rule.limit - count - 1, resetAt, retryAfter: 0 };
  }

  /**
   * Starts a sign-in attempt for this account, on the failure count of
   * `device` (a device that signed in to the account before) or of every
   * other device. The attempt is counted as a failure up front, so parallel
   * guesses cannot all pass one check; {@link settleAttempt} clears the
   * count on success.
   */
  async beginAttempt(policy: LockoutPolicy, device?: string): Promise<AttemptResult> {
    const counter = attemptCounter(device);
    const now = Date.now();
    const current = this.read(counter, now);
    const failures = current?.count ?? 0;
    const lockedUntil = current && failures >= policy.threshold ? current.updatedAt + lockSeconds(failures, policy) * 1000 : 0;
    if (lockedUntil > now) return { allowed: false, failures, retryAfter: secondsUntil(lockedUntil, now) };
    // Failures are forgotten a day after the last one (or once the longest lock has passed).
    const forgetAt = now + Math.max(86_400, policy.maxSeconds) * 1000;
    this.write(counter, failures + 1, forgetAt, now);
    await this.cleanUpBy(forgetAt);
    return { allowed: true, failures: failures + 1, retryAfter: 0 };
  }

  /**
   * Ends an attempt begun with the same `device`: success forgets that
   * count's failures (and only those: the owner signing in on a known device
   * does not reopen the account to guessing from elsewhere), `void` takes
   * this attempt back.
   */
  settleAttempt(outcome: AttemptOutcome, device?: string): void {
    if (outcome === "failure") return;
    const counter = attemptCounter(device);
    if (outcome === "success") {
      this.sql.exec("DELETE FROM counters WHERE name = ?", counter);
      return;
    }
    this.sql.exec("UPDATE counters SET count = max(count - 1, 0) WHERE name = ?", counter);
  }

  /** Deletes expired counters; wipes the object once nothing is left. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    this.sql.exec("DELETE FROM counters WHERE reset_at <= ?", now);
    const next = this.sql.exec<{ next: number | null }>("SELECT min(reset_at) AS next FROM counters").one().next;
    if (next === null) {
      await this.ctx.storage.deleteAll();
      // deleteAll() drops the table too, and this instance may serve more calls.
      this.createSchema();
    } else {
      await this.ctx.storage.setAlarm(next);
    }
  }

  private createSchema(): void {
    this.sql.exec(
      "CREATE TABLE IF NOT EXISTS counters (" +
        "name TEXT PRIMARY KEY, count INTEGER NOT NULL, reset_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)",
    );
  }

  private read(name: string, now: number): { count: number; resetAt: number; updatedAt: number } | null {
    const row = this.sql
      .exec<{ count: number; reset_at: number; updated_at: number }>(
        "SELECT count, reset_at, updated_at FROM counters WHERE name = ?",
        name,
      )
      .toArray()[0];
    if (!row || row.reset_at <= now) return null;
    return { count: row.count, resetAt: row.reset_at, updatedAt: row.updated_at };
  }

  private write(name: string, count: number, resetAt: number, now: number): void {
    this.sql.exec(
      "INSERT INTO counters (name, count, reset_at, updated_at) VALUES (?, ?, ?, ?) " +
        "ON CONFLICT (name) DO UPDATE SET count = excluded.count, reset_at = excluded.reset_at, updated_at = excluded.updated_at",
      name,
      count,
      resetAt,
      now,
    );
  }

  /** Makes sure an alarm comes by `when` to delete what has expired. */
  private async cleanUpBy(when: number): Promise<void> {
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || alarm > when) await this.ctx.storage.setAlarm(when);
  }
}

function secondsUntil(when: number, now: number): number {
  return Math.max(1, Math.ceil((when - now) / 1000));
}

/** The lock after `failures` consecutive failures: base, doubling, capped. */
export function lockSeconds(failures: number, policy: LockoutPolicy): number {
  const doublings = Math.max(0, failures - policy.threshold);
  return Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** Math.min(doublings, 30));
}
