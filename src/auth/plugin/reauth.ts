/**
 * Re-authentication (ASVS 7.4.4, 7.5): ending other sessions, and the
 * admin's actions on sessions, need a session that authenticated within
 * `REAUTH_MAX_AGE`. Every session is created by an authentication (sign-up,
 * sign-in, re-authentication, a password change that ends the others), so
 * its creation time is when it last authenticated. docs/sessions.md,
 * "Re-authentication".
 */
import { createAuthEndpoint, createAuthMiddleware, sensitiveSessionMiddleware } from "better-auth/api";
import { setSessionCookie } from "better-auth/cookies";
import { parseUserOutput } from "better-auth/db";
import * as z from "zod";
import type { Config } from "../../config";
import { apiError } from "../../errors";
import type { FoundSession, Hook, HookContext } from "./context";

/**
 * Throws `403 REAUTHENTICATION_REQUIRED` unless `session` authenticated in
 * the last `REAUTH_MAX_AGE` seconds.
 *
 * @example
 * ```ts
 * assertRecentAuthentication(ctx.context.session.session, config);
 * ```
 */
export function assertRecentAuthentication(session: { createdAt: Date | string }, config: Pick<Config, "reauthMaxAge">): void {
  if (Date.now() - new Date(session.createdAt).getTime() > config.reauthMaxAge * 1000) throw apiError("REAUTHENTICATION_REQUIRED");
}

/**
 * A hook that asks for a recent authentication on `paths` (Better Auth's
 * endpoint paths). A call without a session is left to the endpoint, which
 * answers 401.
 */
export function recentAuthentication(
  paths: readonly string[],
  config: Pick<Config, "reauthMaxAge">,
  readSession: (ctx: HookContext) => Promise<FoundSession | null>,
): Hook {
  return {
    matcher: (ctx) => ctx.path !== undefined && paths.includes(ctx.path),
    handler: createAuthMiddleware(async (ctx) => {
      const found = await readSession(ctx);
      if (found) assertRecentAuthentication(found.session, config);
    }),
  };
}

/**
 * `POST /reauthenticate` with `{ password }`: the current session proves its
 * password again, and is replaced by a new session with a new token
 * (ASVS 7.2.4): the cookie is replaced, an API client gets the new bearer
 * token as at sign-in, and the old token ends. It counts toward the rate
 * limits and the account lockout like a sign-in (`rate-limit/rules.ts`).
 */
export const reauthenticate = createAuthEndpoint(
  "/reauthenticate",
  {
    method: "POST",
    body: z.object({ password: z.string().min(1).meta({ description: "The account's password" }) }),
    use: [sensitiveSessionMiddleware],
    requireHeaders: true,
    metadata: { openapi: { description: "Re-authenticate the current session with the password; answers a new session" } },
  },
  async (ctx) => {
    const { session, user } = ctx.context.session;
    const account = await ctx.context.internalAdapter.findCredentialAccount(user.id);
    const valid = account?.password ? await ctx.context.password.verify({ hash: account.password, password: ctx.body.password }) : false;
    if (!valid) throw apiError("INVALID_PASSWORD");
    // The old session goes first: at the cap, the new one would otherwise end another device's.
    await ctx.context.internalAdapter.deleteSession(session.token);
    const renewed = await ctx.context.internalAdapter.createSession(user.id);
    await setSessionCookie(ctx, { session: renewed, user });
    return ctx.json({ token: renewed.token, user: parseUserOutput(ctx.context.options, user) });
  },
);
