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
import type { Db } from "../../db/client";
import { surfaced } from "../../db/outage";
import { apiError } from "../../errors";
import { isAdmin } from "./admin";

/** Events per page. @default 20, at most 100 */
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

/**
 * The endpoint: `limit` (1–100, default 20), `cursor` (the `nextCursor` of
 * the page before), and for admins `userId`. Anyone else asking for
 * another user's events gets `403 ADMIN_ONLY`.
 *
 * @example
 * ```ts
 * const page = await auth.api.securityEvents({ headers, query: { limit: 50 } });
 * ```
 */
export function securityEvents(db: Db, config: Pick<Config, "adminEmails">) {
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
      const page = await surfaced(eventsPage(db, userId, ctx.query?.limit ?? DEFAULT_LIMIT, cursor));
      const answer: SecurityEventsPage = {
        events: page.events as SecurityEventsPage["events"],
        nextCursor: page.next ? formatCursor(page.next) : null,
      };
      return ctx.json(answer);
    },
  );
}

/** A cursor as clients see it: opaque, URL-safe. */
function formatCursor(cursor: Cursor): string {
  return btoa(JSON.stringify([cursor.at, cursor.id]))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** The cursor a client sent back, or `undefined` when it is not one {@link formatCursor} made. */
function parseCursor(text: string): Cursor | undefined {
  try {
    const [at, id, ...rest] = JSON.parse(atob(text.replaceAll("-", "+").replaceAll("_", "/"))) as unknown[];
    return Number.isSafeInteger(at) && typeof id === "string" && rest.length === 0 ? { at: at as number, id } : undefined;
  } catch {
    return undefined;
  }
}
