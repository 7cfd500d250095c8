/**
 * The event log's part in the hourly purge: the sessions the purge removes
 * get their `session-revoked` event (who ended them: their absolute
 * lifetime, inactivity, "sign everyone out", an operator's tombstone), and
 * events older than `AUTH_EVENT_RETENTION_DAYS` go. docs/activity.md, "Retention".
 */

/** Events deleted per statement, and statements per run: 10,000 an hour at most, the rest the next hour. */
const DELETE_BATCH = 500;
const MAX_DELETE_BATCHES = 20;

/**
 * Records why each of the sessions `ids` (at most 90: D1 binds 100
 * parameters) ended, one `session-revoked` event each, timed when it ended.
 * Idempotent: a run that stops before deleting them records nothing twice.
 *
 * @example
 * ```ts
 * await recordPurgedSessions(env.DB, stale.map((row) => row.id), { notBefore, maxAgeMs });
 * ```
 */
export async function recordPurgedSessions(d1: D1Database, ids: string[], ends: { notBefore: number; maxAgeMs: number }): Promise<void> {
  if (ids.length === 0) return;
  const by = `CASE
      WHEN deleted_at IS NOT NULL THEN 'operator'
      WHEN created_at < ?1 THEN 'admin'
      WHEN expires_at >= created_at + ?2 THEN 'lifetime'
      ELSE 'inactivity' END`;
  const at = `CASE WHEN deleted_at IS NOT NULL THEN deleted_at WHEN created_at < ?1 THEN ?1 ELSE expires_at END`;
  const list = ids.map((_, i) => `?${i + 3}`).join(", ");
  await d1
    .prepare(
      `INSERT OR IGNORE INTO auth_event (id, user_id, type, session_id, detail, created_at, updated_at)
       SELECT 'ended:' || id, user_id, 'session-revoked', id,
              json_object('by', ${by}, 'device', device, 'country', country), ${at}, ${at}
       FROM session WHERE id IN (${list})`,
    )
    .bind(ends.notBefore, ends.maxAgeMs, ...ids)
    .run();
}

/**
 * Deletes the events that happened before `before` (epoch ms), in batches;
 * returns how many went.
 *
 * @example
 * ```ts
 * await purgeOldEvents(env.DB, Date.now() - 90 * 86_400_000);
 * ```
 */
export async function purgeOldEvents(d1: D1Database, before: number): Promise<number> {
  let total = 0;
  for (let run = 0; run < MAX_DELETE_BATCHES; run++) {
    const result = await d1
      .prepare("DELETE FROM auth_event WHERE id IN (SELECT id FROM auth_event WHERE created_at < ? LIMIT ?)")
      .bind(before, DELETE_BATCH)
      .run();
    total += result.meta.changes;
    if (result.meta.changes < DELETE_BATCH) break;
  }
  return total;
}
