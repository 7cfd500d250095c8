/**
 * Passkeys: the options of Better Auth's passkey plugin and the rules
 * edgeSession adds to it. The relying party is BASE_URL's host; a passkey
 * must verify its user (PIN or biometrics), which makes it multi-factor on
 * its own; a passkey is managed only by its own user; a sign-in answer
 * carries no session token. docs/second-factors.md, "Passkeys".
 */
import { defineRequestState } from "@better-auth/core/context";
import type { PasskeyOptions } from "@better-auth/passkey";
import { createAuthMiddleware, isAPIError } from "better-auth/api";
import { and, eq } from "drizzle-orm";
import type { Config } from "../../config";
import type { Db } from "../../db/client";
import { surfaced } from "../../db/outage";
import { passkey } from "../../db/schema";
import { apiError } from "../../errors";
import { bodyString, type FoundSession, type Hook, type HookContext } from "./context";

/** The passkey endpoints, as Better Auth names them. */
export const PASSKEY_SIGN_IN = "/passkey/verify-authentication";
export const PASSKEY_REGISTRATION = "/passkey/verify-registration";
export const PASSKEY_REGISTRATION_OPTIONS = "/passkey/generate-register-options";
export const PASSKEY_DELETE = "/passkey/delete-passkey";
const OWNED_PATHS = new Set([PASSKEY_DELETE, "/passkey/update-passkey"]);

/** The passkey a delete call removes, read before the endpoint (for its event). */
const removing = defineRequestState<{ id: string; name: string | null } | null>(() => null);

/**
 * The passkey plugin's options: the relying party is `BASE_URL` (its host
 * the RP ID, its origin the one origin accepted). Without `BASE_URL`
 * (development) both follow the request: Better Auth resolves the base URL
 * per request and the plugin takes the RP ID from it, and the origin is the
 * request's `Origin`, which Better Auth's origin check has already accepted.
 * User verification is required at registration and at sign-in.
 *
 * @example
 * ```ts
 * betterAuth({ plugins: [passkey(passkeyOptions(config))] });
 * ```
 */
export function passkeyOptions(config: Pick<Config, "baseURL" | "appName">): PasskeyOptions {
  const base = config.baseURL ? new URL(config.baseURL) : undefined;
  return {
    rpName: config.appName,
    ...(base ? { rpID: base.hostname, origin: base.origin } : {}),
    // Discoverable credentials, so a sign-in needs no address; and the user verified by the authenticator.
    authenticatorSelection: { residentKey: "required", userVerification: "required" },
    registration: {
      afterVerification: async ({ verification }) => {
        if (!verification.registrationInfo?.userVerified) throw apiError("FAILED_TO_VERIFY_REGISTRATION");
      },
    },
    authentication: {
      afterVerification: async ({ verification }) => {
        if (!verification.authenticationInfo.userVerified) throw apiError("AUTHENTICATION_FAILED");
      },
    },
  };
}

/**
 * The rules, as hooks. `before`: a passkey is deleted or renamed only by its
 * user (another user's answers `404 PASSKEY_NOT_FOUND`, as one that does
 * not exist); registering never creates a session. `after`: an unknown
 * credential at sign-in is `401 AUTHENTICATION_FAILED` like a bad
 * signature, and the sign-in answer loses the session's token.
 */
export function passkeyRules(db: Db, readSession: (ctx: HookContext) => Promise<FoundSession | null>) {
  const ownPasskeysOnly: Hook = {
    matcher: (ctx) => ctx.path !== undefined && OWNED_PATHS.has(ctx.path),
    handler: createAuthMiddleware(async (ctx) => {
      const id = bodyString(ctx, "id");
      const found = await readSession(ctx);
      if (!id || !found) return; // the endpoint answers 400 or 401
      const [row] = await surfaced(
        db
          .select({ id: passkey.id, name: passkey.name })
          .from(passkey)
          .where(and(eq(passkey.id, id), eq(passkey.userId, found.user.id)))
          .limit(1),
      );
      if (!row) throw apiError("PASSKEY_NOT_FOUND");
      await removing.set(row);
    }),
  };

  /** A signed-in user adds a passkey to the session it has; a new session would be one no sign-in made. */
  const noSessionFromRegistration: Hook = {
    matcher: (ctx) => ctx.path === PASSKEY_REGISTRATION,
    handler: createAuthMiddleware(async (ctx) => {
      const body = ctx.body as Record<string, unknown> | undefined;
      if (!body || body.createSession === undefined) return;
      return { context: { body: { ...body, createSession: false } } };
    }),
  };

  const signInAnswer: Hook = {
    matcher: (ctx) => ctx.path === PASSKEY_SIGN_IN,
    handler: createAuthMiddleware(async (ctx) => {
      const returned = ctx.context.returned;
      if (isAPIError(returned)) {
        // Whether a credential ID is registered here is nobody's business.
        if ((returned.body as { code?: unknown } | undefined)?.code === "PASSKEY_NOT_FOUND") throw apiError("AUTHENTICATION_FAILED");
        return;
      }
      const answer = returned as { session?: { token?: unknown } } | null | undefined;
      if (!answer?.session || !("token" in answer.session)) return;
      const { token: _token, ...session } = answer.session;
      return ctx.json({ ...answer, session });
    }),
  };

  return { before: [ownPasskeysOnly, noSessionFromRegistration], after: [signInAnswer] };
}

/** The passkey the current delete call removes (read by the activity hooks). */
export function removedPasskeyOfCall() {
  return removing.get();
}
