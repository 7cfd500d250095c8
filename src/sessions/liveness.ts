import { and, eq, gt } from "drizzle-orm";
import type { Db } from "../db/client";
import { surfaced } from "../db/outage";
import { session } from "../db/schema";

/**
 * Whether D1 holds a live session for `token` (one indexed read): what the
 * trust bound asks before it trusts a cached copy (`trust.ts`).
 */
export async function isLiveSession(db: Db, token: string): Promise<boolean> {
  const rows = await surfaced(
    db
      .select({ id: session.id })
      .from(session)
      .where(and(eq(session.token, token), gt(session.expiresAt, new Date())))
      .limit(1),
  );
  return rows.length > 0;
}
