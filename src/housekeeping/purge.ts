/**
 * The cron job: removes expired or tombstoned sessions (and their KV copies),
 * expired verification rows, and user rows a failed sign-up left without a
 * password (`auth/abandoned-users.ts`).
 *
 * Rows go in batches so one run stays well inside a Worker's limits however
 * much has piled up; what a run leaves is picked up by the next one.
 */
import { inArray, isNotNull, lt, or } from "drizzle-orm";
import { purgeAbandonedUsers } from "../auth/abandoned-users";
import { KV_PREFIX } from "../auth/kv-storage";
import { createDb } from "../db/client";
import { session, verification } from "../db/schema";

/** Rows per D1 statement: under D1's 100 bound-parameter limit. */
const BATCH_SIZE = 90;
/** Batches per table per run: 900 KV deletes at most, under KV's 1,000 operations per invocation. */
const MAX_BATCHES = 10;

export interface PurgeResult {
  sessions: number;
  verifications: number;
  abandonedUsers: number;
}

/**
 * Deletes what has expired as of `now` (epoch milliseconds).
 *
 * @example
 * ```ts
 * export default { scheduled: (_event, env, ctx) => ctx.waitUntil(purgeExpired(env)) };
 * ```
 */
export async function purgeExpired(env: Env, now: number = Date.now()): Promise<PurgeResult> {
  const db = createDb(env.DB);
  const cutoff = new Date(now);
  const result: PurgeResult = { sessions: 0, verifications: 0, abandonedUsers: 0 };

  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const stale = await db
      .select({ id: session.id, token: session.token })
      .from(session)
      .where(or(lt(session.expiresAt, cutoff), isNotNull(session.deletedAt)))
      .limit(BATCH_SIZE);
    if (stale.length === 0) break;
    // KV first: a KV copy without its row would still answer for the session.
    await Promise.all(stale.map((row) => env.SESSION_KV.delete(KV_PREFIX + row.token)));
    await db.delete(session).where(
      inArray(
        session.id,
        stale.map((row) => row.id),
      ),
    );
    result.sessions += stale.length;
    if (stale.length < BATCH_SIZE) break;
  }

  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const stale = await db
      .select({ id: verification.id })
      .from(verification)
      .where(or(lt(verification.expiresAt, cutoff), isNotNull(verification.deletedAt)))
      .limit(BATCH_SIZE);
    if (stale.length === 0) break;
    await db.delete(verification).where(
      inArray(
        verification.id,
        stale.map((row) => row.id),
      ),
    );
    result.verifications += stale.length;
    if (stale.length < BATCH_SIZE) break;
  }

  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const deleted = await purgeAbandonedUsers(db, BATCH_SIZE, now);
    result.abandonedUsers += deleted;
    if (deleted < BATCH_SIZE) break;
  }
  return result;
}
