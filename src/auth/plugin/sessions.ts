/**
 * Sessions as the plugin changes them: listed with handles instead of
 * tokens, for every live session however old; revoked by handle, id or
 * token, another one only after a recent authentication; never answered
 * with their token. docs/sessions.md, "Listing and
 * revoking".
 */
import { createAuthEndpoint, createAuthMiddleware, sensitiveSessionMiddleware, sessionMiddleware } from "better-auth/api";
import { deleteSessionCookie } from "better-auth/cookies";
import { parseSessionOutput } from "better-auth/db";
import * as z from "zod";
import type { Config } from "../../config";
import { apiError } from "../../errors";
import { sessionHandle, sessionIdOfHandle } from "../../sessions/handles";
import { confirmReads } from "../../sessions/read-mode";
import type { Hook } from "./context";
import { assertRecentAuthentication } from "./reauth";

/**
 * The session endpoints the plugin puts in place of Better Auth's:
 *
 * - `GET /list-sessions`: the user's live sessions, each with `token` set to
 *   its handle, and `current: true` on the caller's own. Unlike Better Auth's
 *   own, it needs only a valid session, not one created in the last day:
 *   viewing one's devices ends nothing.
 * - `POST /revoke-session`: ends one of the caller's sessions, named by the
 *   handle list-sessions shows (`token`), by its `id`, or by its token. A
 *   session that is not the caller's answers `404 SESSION_NOT_FOUND`, the
 *   same as one that does not exist. Ending another of one's sessions needs
 *   a recent authentication (`reauth.ts`); ending the current one never does.
 */
export function sessionEndpoints(config: Pick<Config, "reauthMaxAge">) {
  const listSessions = createAuthEndpoint(
    "/list-sessions",
    {
      method: "GET",
      use: [sessionMiddleware],
      requireHeaders: true,
      metadata: {
        openapi: {
          operationId: "listUserSessions",
          description: "List the user's live sessions; `token` holds a handle that revoke-session accepts, not a credential",
        },
      },
    },
    async (ctx) => {
      const caller = ctx.context.session;
      const sessions = await ctx.context.internalAdapter.listSessions(caller.user.id, { onlyActiveSessions: true });
      const now = new Date();
      return ctx.json(
        sessions
          .filter((session) => session.expiresAt > now)
          .map((session) => ({
            ...parseSessionOutput(ctx.context.options, session),
            token: sessionHandle(session.id),
            current: session.id === caller.session.id,
          })),
      );
    },
  );

  const revokeSession = createAuthEndpoint(
    "/revoke-session",
    {
      method: "POST",
      body: z
        .object({
          token: z.string().min(1).optional().meta({ description: "The handle from list-sessions (or a session token)" }),
          id: z.string().min(1).optional().meta({ description: "The session id from list-sessions" }),
        })
        .refine((body) => body.token !== undefined || body.id !== undefined, { message: "Give the session's token (handle) or id" }),
      use: [sensitiveSessionMiddleware],
      requireHeaders: true,
      metadata: { openapi: { description: "Revoke one of the user's sessions" } },
    },
    async (ctx) => {
      const caller = ctx.context.session;
      const id = ctx.body.id ?? (ctx.body.token ? sessionIdOfHandle(ctx.body.token) : null);
      const where = id ? { field: "id", value: id } : { field: "token", value: ctx.body.token ?? "" };
      const target = await ctx.context.adapter.findOne<{ token: string }>({
        model: "session",
        where: [where, { field: "userId", value: caller.user.id }],
      });
      if (!target) throw apiError("SESSION_NOT_FOUND");
      const own = target.token === caller.session.token;
      if (!own) assertRecentAuthentication(caller.session, config);
      await ctx.context.internalAdapter.deleteSession(target.token);
      if (own) deleteSessionCookie(ctx);
      return ctx.json({ status: true });
    },
  );

  return { listSessions, revokeSession };
}

/**
 * Everything but get-session acts on a session or mints a token, so its
 * session reads confirm cached copies in D1: a session revoked at another
 * location cannot act here, even within the revocation bound.
 */
export const confirmSessionReads: Hook = {
  matcher: (ctx) => ctx.path !== "/get-session",
  handler: createAuthMiddleware(async () => {
    await confirmReads();
  }),
};

/** get-session answers without the session's token: a browser's stays in its HttpOnly cookie. */
export const withoutSessionToken: Hook = {
  matcher: (ctx) => ctx.path === "/get-session",
  handler: createAuthMiddleware(async (ctx) => {
    const returned = ctx.context.returned as { session?: { token?: string } } | null | undefined;
    if (!returned?.session || !("token" in returned.session)) return;
    const { token: _token, ...session } = returned.session;
    return ctx.json({ ...returned, session });
  }),
};
