/**
 * The admin role (ASVS 7.4.5) on Better Auth's admin plugin: accounts whose
 * verified address is in `ADMIN_EMAILS`, and only those, reach the
 * `/admin/*` endpoints, and the `role` column follows `ADMIN_EMAILS`.
 * Admins see other users' sessions by handle, never by token.
 * docs/administration.md.
 */
import { createAuthMiddleware, isAPIError } from "better-auth/api";
import type { Config } from "../../config";
import { apiError } from "../../errors";
import { sessionHandle, sessionIdOfHandle } from "../../sessions/handles";
import { bodyString, type FoundSession, type Hook, type HookContext } from "./context";

/** The role of an admin, as Better Auth's admin plugin names it. */
export const ADMIN_ROLE = "admin";

/** The role of everyone else: the admin plugin's default. */
export const DEFAULT_ROLE = "user";

/**
 * Whether `user` is an admin: its address is in `ADMIN_EMAILS` and verified.
 *
 * @example
 * ```ts
 * isAdmin({ email: "ops@example.com", emailVerified: true }, config);
 * ```
 */
export function isAdmin(user: { email: string; emailVerified: boolean }, config: Pick<Config, "adminEmails">): boolean {
  return user.emailVerified === true && config.adminEmails.includes(user.email.toLowerCase());
}

/**
 * Before every `/admin/*` call: the caller's role is set from
 * `ADMIN_EMAILS` (`admin`, or back to `user`), through Better Auth's
 * internal adapter so the KV copies of the caller's sessions carry it, and
 * anyone who is not an admin gets `403 ADMIN_ONLY`. The account is read
 * from D1, not from the session's copy. A call without a session is left
 * to the endpoint, which answers 401.
 */
export function adminsOnly(config: Pick<Config, "adminEmails">, readSession: (ctx: HookContext) => Promise<FoundSession | null>): Hook {
  return {
    matcher: (ctx) => ctx.path?.startsWith("/admin/") === true,
    handler: createAuthMiddleware(async (ctx) => {
      const found = await readSession(ctx);
      if (!found) return;
      const user = await ctx.context.internalAdapter.findUserById(found.user.id);
      const admin = user !== null && isAdmin(user, config);
      const role = admin ? ADMIN_ROLE : DEFAULT_ROLE;
      if (user && (user as { role?: unknown }).role !== role) await ctx.context.internalAdapter.updateUser(user.id, { role });
      if (!admin) throw apiError("ADMIN_ONLY");
    }),
  };
}

/**
 * Throws `403 ADMIN_ONLY` unless the session's user holds the admin role
 * (which {@link adminsOnly} has just set): the second check, as Better
 * Auth's own admin endpoints make it.
 */
export function assertAdminRole(user: object): void {
  if ((user as { role?: unknown }).role !== ADMIN_ROLE) throw apiError("ADMIN_ONLY");
}

/**
 * `revoke-user-session` takes the handle `list-user-sessions` shows (in
 * `sessionToken`, as Better Auth's client sends it), a session `id`, or a
 * session token; Better Auth's endpoint receives the token. A session that
 * does not exist answers `404 SESSION_NOT_FOUND` (Better Auth's would
 * answer success).
 */
export const adminRevokeByHandle: Hook = {
  matcher: (ctx) => ctx.path === "/admin/revoke-user-session",
  handler: createAuthMiddleware(async (ctx) => {
    const named = bodyString(ctx, "sessionToken");
    const id = bodyString(ctx, "id") ?? (named ? sessionIdOfHandle(named) : null);
    // Neither: Better Auth's validation answers 400.
    if (!id && !named) return;
    const target = await ctx.context.adapter.findOne<{ token: string }>({
      model: "session",
      where: [id ? { field: "id", value: id } : { field: "token", value: named ?? "" }],
    });
    if (!target) throw apiError("SESSION_NOT_FOUND", { message: "No session has this handle or id" });
    return { context: { body: { sessionToken: target.token } } };
  }),
};

/**
 * `list-user-sessions` answers each session with its handle in `token`, as
 * `list-sessions` does: Better Auth's answer would carry every session's
 * token, a credential.
 */
export const adminSessionHandles: Hook = {
  matcher: (ctx) => ctx.path === "/admin/list-user-sessions",
  handler: createAuthMiddleware(async (ctx) => {
    const returned = ctx.context.returned;
    if (!returned || isAPIError(returned)) return;
    const sessions = (returned as { sessions?: unknown }).sessions;
    if (!Array.isArray(sessions)) return;
    return ctx.json({
      ...(returned as object),
      sessions: (sessions as { id: string }[]).map((session) => ({ ...session, token: sessionHandle(session.id) })),
    });
  }),
};
