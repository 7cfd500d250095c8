/**
 * Session lifetimes and limits (ASVS 7.1.2, 7.3.2; NIST SP 800-63B): an
 * absolute lifetime from sign-in that renewal never extends
 * (`SESSION_MAX_AGE`), and at most `SESSION_MAX_PER_USER` sessions a user,
 * the least recently used ending first. Better Auth's database hooks, so
 * every way a session is created or renewed obeys them. docs/sessions.md,
 * "Lifetimes".
 */
import type { AuthContext } from "better-auth";
import type { Config } from "../../config";
import { logError } from "../../log";
import type { SessionHooks } from "./database-hooks";

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
      after: async (session) => {
        await endLeastRecentlyUsed(context, session.userId, config.sessionMaxPerUser).catch((error: unknown) =>
          logError("could not end sessions past the cap", error),
        );
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
