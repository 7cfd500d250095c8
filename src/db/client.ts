import { drizzle } from "drizzle-orm/d1";
import { schema } from "./schema";

/**
 * A Drizzle client over the D1 binding.
 *
 * @example
 * ```ts
 * const db = createDb(env.DB);
 * await db.select().from(session).where(eq(session.userId, id));
 * ```
 */
export function createDb(d1: D1Database) {
  return drizzle(d1, { schema });
}

export type Db = ReturnType<typeof createDb>;

/** Reads through D1's Sessions API: replicas when read replication is on, the primary otherwise. */
export interface ReplicaReads {
  db: Db;
  /** Where these reads got to: a later session started from it sees at least as much. `null` before any query. */
  bookmark(): string | null;
}

/**
 * A Drizzle client for reads that tolerate replica lag (never a session
 * check: docs/scaling.md, "Read replicas"), starting at any replica, or at
 * one at least as new as `bookmark`.
 *
 * @example
 * ```ts
 * const reads = replicaReads(env.DB, cursor.bookmark);
 * const rows = await reads.db.select().from(authEvent);
 * const next = reads.bookmark();
 * ```
 */
export function replicaReads(d1: D1Database, bookmark?: string): ReplicaReads {
  const session = d1.withSession(bookmark ?? "first-unconstrained");
  // The session has the two methods Drizzle's D1 driver calls, prepare() and batch().
  return { db: createDb(session as unknown as D1Database), bookmark: () => session.getBookmark() };
}
