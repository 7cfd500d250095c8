/**
 * The `auth_event` table: writing events, reading a user's page of them,
 * and what the new-device check asks. Every call here runs off the response
 * path (`waitUntil`), on a D1 client without outage reporting: a failed
 * event write must never turn the request that caused it into a 503.
 */
import { and, count, desc, eq, gte, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { SecurityEvent } from "../../client/contract";
import type { Db } from "../db/client";
import { authEvent, user } from "../db/schema";

/** One event as `GET /security-events` answers it (its type as the table holds it). */
export type StoredEvent = Omit<SecurityEvent, "type"> & { type: string };

/** One row of `auth_event`, as written: its user, and its time in epoch ms. */
export type EventRow = Omit<StoredEvent, "at"> & { userId: string; at: number };

/** A row's columns: its time is when it was created and last updated. */
const columns = ({ at, ...row }: EventRow) => ({ ...row, createdAt: new Date(at), updatedAt: new Date(at) });

/** Writes one event. */
export async function insertEvent(db: Db, row: EventRow): Promise<void> {
  await db.insert(authEvent).values(columns(row));
}

/**
 * Writes a sample of an aggregate row (failed sign-ins of one account in one
 * minute): the first sample inserts it, later ones raise its count and
 * take their request's whereabouts; its time stays the first failure's.
 */
export async function upsertAggregate(db: Db, row: EventRow): Promise<void> {
  const values = columns(row);
  const { id: _id, createdAt: _createdAt, userId: _userId, type: _type, ...latest } = values;
  await db
    .insert(authEvent)
    .values(values)
    .onConflictDoUpdate({ target: authEvent.id, set: { ...latest, count: sql`max(${authEvent.count}, excluded.count)` } });
}

/** The id of an account's user, or `null` for an address without one. */
export async function userIdByEmail(db: Db, email: string): Promise<string | null> {
  const [row] = await db.select({ id: user.id }).from(user).where(eq(user.email, email.trim().toLowerCase())).limit(1);
  return row?.id ?? null;
}

/** Where a page starts: after the event at `at` with `id` (newest first). */
export interface Cursor {
  at: number;
  id: string;
}

/**
 * A page of `userId`'s events, newest first, starting after `cursor`, and
 * the cursor of the next page (`null` on the last).
 */
export async function eventsPage(db: Db, userId: string, limit: number, cursor: Cursor | null) {
  const after = cursor
    ? or(lt(authEvent.createdAt, new Date(cursor.at)), and(eq(authEvent.createdAt, new Date(cursor.at)), lt(authEvent.id, cursor.id)))
    : undefined;
  const rows = await db
    .select()
    .from(authEvent)
    .where(and(eq(authEvent.userId, userId), isNull(authEvent.deletedAt), after))
    .orderBy(desc(authEvent.createdAt), desc(authEvent.id))
    .limit(limit + 1);
  const events: StoredEvent[] = rows.slice(0, limit).map((row) => ({
    id: row.id,
    type: row.type,
    at: row.createdAt,
    count: row.count,
    sessionId: row.sessionId,
    ipAddress: row.ipAddress,
    userAgent: row.userAgent,
    device: row.device,
    country: row.country,
    city: row.city,
    detail: row.detail ?? null,
  }));
  const last = events.at(-1);
  return { events, next: rows.length > limit && last ? { at: last.at.getTime(), id: last.id } : null };
}

/** The devices (label and country) `userId` signed up or in from since `since` (epoch ms). */
export async function placesSince(db: Db, userId: string, since: number, types: readonly string[]) {
  return db
    .selectDistinct({ device: authEvent.device, country: authEvent.country })
    .from(authEvent)
    .where(and(eq(authEvent.userId, userId), inArray(authEvent.type, [...types]), gte(authEvent.createdAt, new Date(since))));
}

/** How many events of `type` `userId` has had since `since` (epoch ms). */
export async function countSince(db: Db, userId: string, type: string, since: number): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(authEvent)
    .where(and(eq(authEvent.userId, userId), eq(authEvent.type, type), gte(authEvent.createdAt, new Date(since))));
  return row?.n ?? 0;
}
