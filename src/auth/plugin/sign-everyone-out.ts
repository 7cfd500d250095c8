/**
 * Sign everyone out (after a breach): one D1 write, `sessions_not_before`,
 * and every session created before it is refused everywhere within the
 * revocation bound. No KV copy is touched on the request path: the trust
 * bound's D1 confirmations and Better Auth's D1 reads already compare each
 * session's `createdAt` with it (`sessions/liveness.ts`), and the hourly
 * purge deletes the rows and their copies. docs/administration.md.
 */
import { createAuthEndpoint, sensitiveSessionMiddleware } from "better-auth/api";
import { deleteSessionCookie } from "better-auth/cookies";
import type { Db } from "../../db/client";
import { signOutSessionsBefore } from "../../sessions/liveness";
import { assertAdminRole } from "./admin";

/**
 * `POST /admin/revoke-all-sessions`: signs out every session of every user,
 * the caller's included (it is ended here at once and its cookie cleared).
 * Admins only (`admin.ts`), after a recent authentication (`reauth.ts`).
 * Answers `{ success: true, notBefore }`; sign-ins after it work as before.
 *
 * @example
 * ```ts
 * await auth.api.revokeAllSessions({ headers: request.headers });
 * ```
 */
export function signEveryoneOut(db: Db) {
  return createAuthEndpoint(
    "/admin/revoke-all-sessions",
    {
      method: "POST",
      use: [sensitiveSessionMiddleware],
      requireHeaders: true,
      metadata: {
        openapi: {
          operationId: "revokeAllSessions",
          description: "Sign out every session of every user, the caller's included",
        },
      },
    },
    async (ctx) => {
      const { session, user } = ctx.context.session;
      assertAdminRole(user);
      const notBefore = await signOutSessionsBefore(db, Date.now());
      await ctx.context.internalAdapter.deleteSession(session.token);
      deleteSessionCookie(ctx);
      return ctx.json({ success: true, notBefore: new Date(notBefore) });
    },
  );
}
