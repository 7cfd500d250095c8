/**
 * `GET /security-events`: the signed-in user's security events, newest
 * first, a page at a time; an admin may ask for any user's. docs/activity.md,
 * "Reading the events".
 */
import { createAuthEndpoint, sessionMiddleware } from "better-auth/api";
import * as z from "zod";
import type { SecurityEventsPage } from "../../../client/contract";
import { type Cursor, eventsPage } from "../../activity/store";
import type { Config } from "../../config";
import type { ReplicaReads } from "../../db/client";
import { surfaced } from "../../db/outage";
import { apiError } from "../../errors";
import { isAdmin } from "./admin";

/** Events per page. @default 20, at most 100 */
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

/** A D1 bookmark as a cursor may carry it: what D1's Sessions API hands out, never more. */
const BOOKMARK = /^[0-9A-Za-z-]{1,128}$/;

/**
 * The endpoint: `limit` (1–100, default 20), `cursor` (the `nextCursor` of
 * the page before), and for admins `userId`. Anyone else asking for
 * another user's events gets `403 ADMIN_ONLY`. Pages are read through D1's
 * Sessions API, so a replica may answer (a moment behind the primary); each
 * cursor carries its page's bookmark, so the next page is at least as new.
 *
 * @example
 * ```ts
 * const page = await auth.api.securityEvents({ headers, query: { limit: 50 } });
 * ```
 */
export function securityEvents(reads: (bookmark?: string) => ReplicaReads, config: Pick<Config, "adminEmails">) {
  return createAuthEndpoint(
    "/security-events",
    {
      method: "GET",
      use: [sessionMiddleware],
      requireHeaders: true,
      query: z
        .object({
          limit: z.coerce.number().int().min(1).max(MAX_LIMIT).optional().meta({ description: "Events per page (1–100, default 20)" }),
          cursor: z.string().min(1).max(512).optional().meta({ description: "nextCursor of the previous page" }),
          userId: z.string().min(1).max(255).optional().meta({ description: "Another user's id (admins only)" }),
        })
        .optional(),
      metadata: { openapi: { description: "The user's security events, newest first, paged" } },
    },
    async (ctx) => {
      const caller = ctx.context.session;
      const userId = ctx.query?.userId ?? caller.user.id;
      if (userId !== caller.user.id) {
        // As for /admin/*: ADMIN_EMAILS decides, read from D1, not the session's copy.
        const account = await ctx.context.internalAdapter.findUserById(caller.user.id);
        if (!account || !isAdmin(account, config)) throw apiError("ADMIN_ONLY");
      }
      const cursor = ctx.query?.cursor === undefined ? null : parseCursor(ctx.query.cursor);
      if (cursor === undefined) throw apiError("VALIDATION_ERROR", { message: "cursor is not a nextCursor this endpoint gave" });
      const read = async (from?: string) => {
        const replica = reads(from);
        const page = await eventsPage(replica.db, userId, ctx.query?.limit ?? DEFAULT_LIMIT, cursor);
        return { ...page, bookmark: replica.bookmark() ?? undefined };
      };
      // A bookmark D1 will not start from (too old, from another database) costs a read from the primary, not the page.
      const page = await surfaced(cursor?.bookmark ? read(cursor.bookmark).catch(() => read("first-primary")) : read());
      const answer: SecurityEventsPage = {
        events: page.events as SecurityEventsPage["events"],
        nextCursor: page.next ? formatCursor({ ...page.next, bookmark: page.bookmark }) : null,
      };
      return ctx.json(answer);
    },
  );
}

/** Where a page starts, and the bookmark of the read that gave the page before. */
type PageCursor = Cursor & { bookmark?: string };

/** A cursor as clients see it: opaque, URL-safe. */
function formatCursor(cursor: PageCursor): string {
  return btoa(JSON.stringify(cursor.bookmark ? [cursor.at, cursor.id, cursor.bookmark] : [cursor.at, cursor.id]))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** The cursor a client sent back, or `undefined` when it is not one {@link formatCursor} made. */
function parseCursor(text: string): PageCursor | undefined {
  try {
    const [at, id, bookmark, ...rest] = JSON.parse(atob(text.replaceAll("-", "+").replaceAll("_", "/"))) as unknown[];
    if (!Number.isSafeInteger(at) || typeof id !== "string" || rest.length > 0) return undefined;
    if (bookmark === undefined) return { at: at as number, id };
    return typeof bookmark === "string" && BOOKMARK.test(bookmark) ? { at: at as number, id, bookmark } : undefined;
  } catch {
    return undefined;
  }
}
