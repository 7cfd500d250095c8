/**
 * Session lifetimes and limits (ASVS 7.1.2, 7.3.2; NIST SP 800-63B): an
 * absolute lifetime from sign-in that renewal never extends
 * (`SESSION_MAX_AGE`), and at most `SESSION_MAX_PER_USER` sessions a user,
 * the least recently used ending first. Better Auth's database hooks, so
 * every way a session is created or renewed obeys them. docs/sessions.md,
 * "Lifetimes".
 */
import type { AuthContext } from "better-auth";
import { createAuthMiddleware, isAPIError } from "better-auth/api";
import type { Config } from "../../config";
import { logError } from "../../log";
import type { Hook } from "./context";
import type { SessionHooks } from "./database-hooks";

/**
 * Endpoints whose new session a later hook may still withdraw: a password
 * sign-in that a second factor turns into a challenge. Their cap waits for
 * the answer ({@link capOnceKept}), so a password alone ends no session.
 */
const WITHDRAWABLE = new Set(["/sign-in/email"]);

/**
 * The `session` database hooks: a new session's expiry and a renewal's stay
 * within the absolute lifetime, and a new session beyond the cap ends the
 * user's least recently used ones (by `updatedAt`, which renewal moves).
 *
 * @example
 * ```ts
 * init: (context) => ({ options: { databaseHooks: { session: sessionLifetimes(config, context) } } })
 * ```
 */
export function sessionLifetimes(config: Pick<Config, "sessionMaxAge" | "sessionMaxPerUser">, context: AuthContext): SessionHooks {
  const maxAgeMs = config.sessionMaxAge * 1000;
  const within = (expiresAt: Date | string | undefined, createdAt: Date | string | number) => {
    if (expiresAt === undefined) return undefined;
    const end = new Date(createdAt).getTime() + maxAgeMs;
    return new Date(expiresAt).getTime() > end ? new Date(end) : undefined;
  };
  return {
    create: {
      before: async (session) => {
        const capped = within(session.expiresAt, session.createdAt ?? Date.now());
        return capped ? { data: { ...session, expiresAt: capped } } : undefined;
      },
      after: async (session, ctx) => {
        if (ctx?.path !== undefined && WITHDRAWABLE.has(ctx.path)) return;
        await capSessions(context, session.userId, config.sessionMaxPerUser);
      },
    },
    update: {
      before: async (data, ctx) => {
        // A renewal: Better Auth has just read the session it extends, creation time included.
        const current = ctx?.context.session?.session;
        const capped = current ? within(data.expiresAt as Date | undefined, current.createdAt) : undefined;
        return capped ? { data: { ...data, expiresAt: capped } } : undefined;
      },
    },
  };
}

/**
 * The cap for a sign-in whose session could still be withdrawn: applied
 * once the answer keeps the session (after the second-factor plugin's hook,
 * which runs first), and not at all for a challenge.
 *
 * @example
 * ```ts
 * hooks: { after: [capOnceKept(config)] }
 * ```
 */
export function capOnceKept(config: Pick<Config, "sessionMaxPerUser">): Hook {
  return {
    matcher: (ctx) => ctx.path !== undefined && WITHDRAWABLE.has(ctx.path),
    handler: createAuthMiddleware(async (ctx) => {
      const kept = isAPIError(ctx.context.returned) ? null : ctx.context.newSession;
      if (kept) await capSessions(ctx.context, kept.user.id, config.sessionMaxPerUser);
    }),
  };
}

function capSessions(context: AuthContext, userId: string, keep: number): Promise<void> {
  return endLeastRecentlyUsed(context, userId, keep).catch((error: unknown) => logError("could not end sessions past the cap", error));
}

/** Ends all but the `keep` most recently used live sessions of `userId`. */
async function endLeastRecentlyUsed(context: AuthContext, userId: string, keep: number): Promise<void> {
  const sessions = await context.adapter.findMany<{ token: string; updatedAt: Date; createdAt: Date }>({
    model: "session",
    where: [
      { field: "userId", value: userId },
      { field: "expiresAt", value: new Date(), operator: "gt" },
    ],
  });
  if (sessions.length <= keep) return;
  const byLastUse = sessions.sort(
    (a, b) =>
      new Date(a.updatedAt).getTime() - new Date(b.updatedAt).getTime() ||
      new Date(a.createdAt).getTime() - new Date(b.createdAt).getTime(),
  );
  for (const session of byLastUse.slice(0, sessions.length - keep)) await context.internalAdapter.deleteSession(session.token);
}
