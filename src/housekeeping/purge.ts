/**
 * The cron job: removes expired or tombstoned sessions and those "sign
 * everyone out" ended (and their KV copies), recording why each ended,
 * expired verification rows, user rows a failed sign-up left without a
 * password (`abandoned-users.ts`), and security events past their retention;
 * and it seals second factors a secret rotation left behind again (`reseal.ts`).
 *
 * Rows go in batches so one run stays well inside a Worker's limits however
 * much has piled up; what a run leaves is picked up by the next one.
 */
import { inArray, isNotNull, lt, or, type SQL } from "drizzle-orm";
import { purgeOldEvents, recordPurgedSessions } from "../activity/retention";
import { readConfig } from "../config";
import { createDb } from "../db/client";
import { session, verification } from "../db/schema";
import { KV_PREFIX } from "../sessions/kv-storage";
import { sessionsNotBefore } from "../sessions/liveness";
import { purgeAbandonedUsers } from "./abandoned-users";
import { resealSecondFactors } from "./reseal";

/** Rows per D1 statement: under D1's 100 bound-parameter limit. */
const BATCH_SIZE = 90;
/** Batches per table per run: 900 KV deletes at most, under KV's 1,000 operations per invocation. */
const MAX_BATCHES = 10;

export interface PurgeResult {
  sessions: number;
  verifications: number;
  abandonedUsers: number;
  events: number;
  /** Second factors sealed again with the current secret. */
  resealed: number;
}

/**
 * Deletes what has expired as of `now` (epoch milliseconds), the sessions
 * created before `sessions_not_before`, and events older than
 * `AUTH_EVENT_RETENTION_DAYS`.
 *
 * @example
 * ```ts
 * export default { scheduled: (_event, env, ctx) => ctx.waitUntil(purgeExpired(env)) };
 * ```
 */
export async function purgeExpired(env: Env, now: number = Date.now()): Promise<PurgeResult> {
  const config = readConfig(env);
  const db = createDb(env.DB);
  const cutoff = new Date(now);
  const notBefore = await sessionsNotBefore(db);
  const ended: SQL[] = [lt(session.expiresAt, cutoff), isNotNull(session.deletedAt)];
  if (notBefore > 0) ended.push(lt(session.createdAt, new Date(notBefore)));

  const sessions = await inBatches(async () => {
    const stale = await db
      .select({ id: session.id, token: session.token })
      .from(session)
      .where(or(...ended))
      .limit(BATCH_SIZE);
    if (stale.length === 0) return 0;
    const ids = stale.map((row) => row.id);
    await recordPurgedSessions(env.DB, ids, { notBefore, maxAgeMs: config.sessionMaxAge * 1000 });
    // KV first: a KV copy without its row would still answer for the session.
    await Promise.all(stale.map((row) => env.SESSION_KV.delete(KV_PREFIX + row.token)));
    await db.delete(session).where(inArray(session.id, ids));
    return stale.length;
  });

  const verifications = await inBatches(async () => {
    const stale = await db
      .select({ id: verification.id })
      .from(verification)
      .where(or(lt(verification.expiresAt, cutoff), isNotNull(verification.deletedAt)))
      .limit(BATCH_SIZE);
    if (stale.length === 0) return 0;
    await db.delete(verification).where(
      inArray(
        verification.id,
        stale.map((row) => row.id),
      ),
    );
    return stale.length;
  });

  const abandonedUsers = await inBatches(() => purgeAbandonedUsers(db, BATCH_SIZE, now));
  const events = await purgeOldEvents(env.DB, now - config.authEventRetentionDays * 86_400_000);
  const resealed = await resealSecondFactors(db, config, BATCH_SIZE * MAX_BATCHES);
  return { sessions, verifications, abandonedUsers, events, resealed };
}

/** Runs `batch` (which removes up to `BATCH_SIZE` rows and says how many) until a batch comes up short or `MAX_BATCHES` have run; returns the total. */
async function inBatches(batch: () => Promise<number>): Promise<number> {
  let total = 0;
  for (let run = 0; run < MAX_BATCHES; run++) {
    const removed = await batch();
    total += removed;
    if (removed < BATCH_SIZE) break;
  }
  return total;
}
