/**
 * Users that D1 left without a password: D1 has no interactive transactions,
 * so a sign-up (or an account deletion) that fails between Better Auth's
 * steps can leave a user row with no account. Such a row holds nothing and
 * blocks its address; it is deleted when the address signs up again and by
 * the hourly purge. docs/sessions.md, "Storage outages".
 */
import { and, eq, gt, inArray, lt, notExists } from "drizzle-orm";
import type { Db } from "../db/client";
import { surfaced } from "../db/outage";
import { account, user } from "../db/schema";

/**
 * How old a user row without an account must be to count as left over. A
 * sign-up writes its account right after the user row (the password is
 * hashed before either), so a minute is far beyond any sign-up in progress.
 */
export const ABANDONED_AFTER_MS = 60_000;

/**
 * How far back the purge looks. It runs hourly, so a day covers missed runs;
 * older leftovers are cleared when their email signs up again. Looking only
 * at recent rows (`user_created_at_idx`) keeps the hourly run from reading
 * the whole user table.
 */
export const PURGE_LOOKBACK_MS = 86_400_000;

/** User rows without an account, created before `now - ABANDONED_AFTER_MS`. */
function abandoned(db: Db, now: number) {
  return and(
    lt(user.createdAt, new Date(now - ABANDONED_AFTER_MS)),
    notExists(db.select({ id: account.id }).from(account).where(eq(account.userId, user.id))),
  );
}

/**
 * Deletes the left-over user row of `email` (as Better Auth stores it:
 * lower-cased), if there is one, so the address can sign up again.
 *
 * @returns whether a row was deleted
 */
export async function deleteAbandonedUser(db: Db, email: string, now: number = Date.now()): Promise<boolean> {
  const deleted = await surfaced(
    db
      .delete(user)
      .where(and(eq(user.email, email.toLowerCase()), abandoned(db, now)))
      .returning({ id: user.id }),
  );
  return deleted.length > 0;
}

/** Deletes up to `limit` left-over user rows created in the last {@link PURGE_LOOKBACK_MS}; returns how many went. */
export async function purgeAbandonedUsers(db: Db, limit: number, now: number = Date.now()): Promise<number> {
  const stale = await db
    .select({ id: user.id })
    .from(user)
    .where(and(gt(user.createdAt, new Date(now - PURGE_LOOKBACK_MS)), abandoned(db, now)))
    .limit(limit);
  if (stale.length === 0) return 0;
  const ids = stale.map((row) => row.id);
  const deleted = await db
    .delete(user)
    .where(and(inArray(user.id, ids), abandoned(db, now)))
    .returning({ id: user.id });
  return deleted.length;
}
