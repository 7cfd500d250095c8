/**
 * Security activity as the plugin's hooks: each session records where and
 * on what it signed in, and sign-ups, sign-ins (and failed ones), session
 * ends, password changes and resets, verified addresses, lockouts and
 * admin actions become events (`activity/events.ts`). Whatever the call,
 * `auth.handler` or `auth.api.*`. docs/activity.md.
 */
import type { AuthContext, BetterAuthOptions } from "better-auth";
import { createAuthMiddleware, isAPIError } from "better-auth/api";
import { type ActivityLog, occasionOf } from "../../activity/events";
import { whereabouts } from "../../activity/where";
import type { Config } from "../../config";
import { bodyString, type Hook, type HookContext } from "./context";
import type { SessionHooks } from "./database-hooks";
import { PASSKEY_DELETE, PASSKEY_REGISTRATION, PASSKEY_SIGN_IN, removedPasskeyOfCall } from "./passkeys";
import { VERIFY_PATHS, verificationOfCall } from "./second-factors";
import { type EndedSession, sessionEnd } from "./session-ends";

/** The answers to a sign-in that count as a failed sign-in: a wrong password, and a right one that gave no session. */
const FAILED_SIGN_IN = new Set(["INVALID_EMAIL_OR_PASSWORD", "EMAIL_NOT_VERIFIED", "USER_BANNED"]);

/** Admin actions recorded, on the account they concern (`userId` in the body) or else the admin's own. */
const ADMIN_ACTIONS = new Set(["/admin/ban-user", "/admin/unban-user", "/admin/revoke-user-sessions", "/admin/revoke-all-sessions"]);

/** The code of an error answer, if the answer is one. */
function errorCode(returned: unknown): string | undefined {
  if (!isAPIError(returned)) return undefined;
  const code = (returned.body as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : "";
}

/** `fields` without those that are `null` or `undefined`. */
function defined(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== null && value !== undefined));
}

/** A successful answer's session (Better Auth's new session of the call), or `undefined`. */
function newSessionOf(ctx: HookContext) {
  return isAPIError(ctx.context.returned) ? undefined : (ctx.context.newSession ?? undefined);
}

/**
 * The plugin's activity: session database hooks, after hooks, what the
 * account lockout reports, and Better Auth's password-reset and
 * verification callbacks.
 *
 * @example
 * ```ts
 * const activity = securityActivity(activityLog({ db, limiter, mailer, config }), config);
 * ```
 */
export function securityActivity(activity: ActivityLog, config: Pick<Config, "sessionMaxAge">) {
  const occasion = (ctx: HookContext) => occasionOf(ctx, ctx.context.runInBackground);

  /** `create.before` records where and on what; `delete.after` records why the session ended. */
  const sessionHooks = (context: AuthContext): SessionHooks => ({
    create: {
      before: async (session, ctx) => ({ data: { ...session, ...whereabouts(ctx?.request, ctx?.headers) } }),
    },
    delete: {
      after: async (session, ctx) => {
        const ended = session as typeof session & EndedSession;
        // A sign-in that still needs a second factor withdraws the session it has just made: no session ended.
        if (ctx?.path === "/sign-in/email" && ctx.context.newSession?.session.id === ended.id) return;
        const caller = ctx?.context.session ?? null;
        const end = sessionEnd(ctx?.path, ended, caller?.session.id, config.sessionMaxAge * 1000);
        if (!end) return;
        const detail =
          end.type === "session-revoked"
            ? defined({
                by: end.by,
                bySessionId: end.by === "other-session" ? caller?.session.id : undefined,
                adminId: end.by === "admin" ? caller?.user.id : undefined,
                device: ended.device,
                country: ended.country,
              })
            : null;
        const background = ctx?.context.runInBackground ?? context.runInBackground;
        activity.record(occasionOf(ctx, background), { type: end.type, userId: ended.userId, sessionId: ended.id, detail });
      },
    },
  });

  const signUp: Hook = {
    matcher: (ctx) => ctx.path === "/sign-up/email",
    handler: createAuthMiddleware(async (ctx) => {
      const returned = ctx.context.returned as { user?: { id?: string } } | undefined;
      const userId = !isAPIError(returned) ? returned?.user?.id : undefined;
      if (userId) activity.record(occasion(ctx), { type: "sign-up", userId, sessionId: ctx.context.newSession?.session.id });
    }),
  };

  const signIn: Hook = {
    matcher: (ctx) => ctx.path === "/sign-in/email",
    handler: createAuthMiddleware(async (ctx) => {
      const code = errorCode(ctx.context.returned);
      const email = bodyString(ctx, "email");
      if (code !== undefined) {
        if (email && FAILED_SIGN_IN.has(code)) activity.failedSignIn(occasion(ctx), email, code);
        return;
      }
      const created = newSessionOf(ctx);
      if (created) activity.signedIn(occasion(ctx), { userId: created.user.id, email: created.user.email, sessionId: created.session.id });
    }),
  };

  const otherSuccesses: Hook = {
    matcher: (ctx) => ctx.path === "/reauthenticate" || ctx.path === "/change-password" || ADMIN_ACTIONS.has(ctx.path ?? ""),
    handler: createAuthMiddleware(async (ctx) => {
      if (errorCode(ctx.context.returned) !== undefined) return;
      const created = newSessionOf(ctx);
      const caller = ctx.context.session;
      if (ctx.path === "/reauthenticate" && created) {
        activity.record(occasion(ctx), { type: "reauthenticated", userId: created.user.id, sessionId: created.session.id });
      } else if (ctx.path === "/change-password") {
        const userId = created?.user.id ?? caller?.user.id;
        const revoked = (ctx.body as { revokeOtherSessions?: unknown } | undefined)?.revokeOtherSessions === true;
        if (userId) activity.record(occasion(ctx), { type: "password-changed", userId, detail: { otherSessionsEnded: revoked } });
      } else if (caller) {
        const target = bodyString(ctx, "userId");
        const action = ctx.path?.slice("/admin/".length);
        activity.record(occasion(ctx), {
          type: "admin-action",
          userId: target ?? caller.user.id,
          detail: { action, adminId: caller.user.id },
        });
      }
    }),
  };

  /**
   * Second factors: a sign-in finished with a code is the sign-in (a wrong
   * code, a failed one); confirming the first code enables it; disabling and
   * new backup codes are events of their own.
   */
  const secondFactor: Hook = {
    matcher: (ctx) => ctx.path?.startsWith("/two-factor/") ?? false,
    handler: createAuthMiddleware(async (ctx) => {
      const code = errorCode(ctx.context.returned);
      const created = newSessionOf(ctx);
      if (ctx.path && VERIFY_PATHS.has(ctx.path)) {
        const who = await verificationOfCall();
        if (!who) return;
        if (code === "INVALID_CODE" || code === "INVALID_BACKUP_CODE") {
          if (!who.signedIn) activity.failedSignIn(occasion(ctx), who.email, code);
        } else if (code === undefined && created && !who.signedIn) {
          activity.signedIn(occasion(ctx), { userId: who.userId, email: who.email, sessionId: created.session.id });
        } else if (code === undefined && created && ctx.path === "/two-factor/verify-totp") {
          activity.record(occasion(ctx), { type: "two-factor-enabled", userId: who.userId, sessionId: created.session.id });
        }
        return;
      }
      const userId = created?.user.id ?? ctx.context.session?.user.id;
      if (code !== undefined || !userId) return;
      if (ctx.path === "/two-factor/disable") activity.record(occasion(ctx), { type: "two-factor-disabled", userId });
      if (ctx.path === "/two-factor/generate-backup-codes") activity.record(occasion(ctx), { type: "backup-codes-regenerated", userId });
    }),
  };

  /** Passkeys: a sign-in with one (`method: "passkey"`), one added, one removed. */
  const passkeys: Hook = {
    matcher: (ctx) => ctx.path === PASSKEY_SIGN_IN || ctx.path === PASSKEY_REGISTRATION || ctx.path === PASSKEY_DELETE,
    handler: createAuthMiddleware(async (ctx) => {
      if (errorCode(ctx.context.returned) !== undefined) return;
      const created = newSessionOf(ctx);
      const userId = ctx.context.session?.user.id;
      if (ctx.path === PASSKEY_SIGN_IN && created) {
        const { user, session } = created;
        activity.signedIn(occasion(ctx), { userId: user.id, email: user.email, sessionId: session.id, detail: { method: "passkey" } });
      } else if (ctx.path === PASSKEY_REGISTRATION && userId) {
        const added = ctx.context.returned as { id?: string; name?: string | null } | undefined;
        activity.record(occasion(ctx), { type: "passkey-added", userId, detail: defined({ passkeyId: added?.id, name: added?.name }) });
      } else if (ctx.path === PASSKEY_DELETE && userId) {
        const removed = await removedPasskeyOfCall();
        activity.record(occasion(ctx), {
          type: "passkey-removed",
          userId,
          detail: defined({ passkeyId: removed?.id, name: removed?.name }),
        });
      }
    }),
  };

  /** What the account lockout reports: a sign-in refused while the account waits, and a wait that starts. */
  const lockout = {
    refused(ctx: HookContext, email: string) {
      if (ctx.path === "/sign-in/email" || VERIFY_PATHS.has(ctx.path ?? ""))
        activity.failedSignIn(occasion(ctx), email, "TOO_MANY_ATTEMPTS");
    },
    locked(ctx: HookContext, email: string, wait: { seconds: number; failures: number }) {
      activity.forAccount(occasion(ctx), email, { type: "lockout-started", detail: { ...wait, path: ctx.path } });
    },
  };

  /** Better Auth's callbacks (plugin `init` options): a password reset, an address verified. */
  const callbacks = (context: AuthContext): Partial<BetterAuthOptions> => {
    const occasionOfRequest = (request: Request | undefined) => occasionOf({ request }, context.runInBackground);
    return {
      emailAndPassword: {
        enabled: true,
        onPasswordReset: async ({ user }, request) => {
          activity.record(occasionOfRequest(request), { type: "password-reset", userId: user.id });
        },
      },
      emailVerification: {
        afterEmailVerification: async (user, request) => {
          activity.record(occasionOfRequest(request), { type: "email-verified", userId: user.id });
        },
      },
    };
  };

  return { sessionHooks, after: [signUp, signIn, otherSuccesses, secondFactor, passkeys], lockout, callbacks };
}
