/**
 * What the plugin's hooks read from a Better Auth call, whether it came
 * through `auth.handler` (a request) or `auth.api.*` (headers, or nothing).
 */
import type { BetterAuthPlugin } from "better-auth";
import type { createAuthMiddleware } from "better-auth/api";
import { type CredentialKeys, credentialKeys, secretsOf, sessionCredential } from "../../sessions/credentials";

/** The context a hook handler receives. */
export type HookContext = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];

/** One `hooks.before` or `hooks.after` entry. */
export type Hook = NonNullable<NonNullable<BetterAuthPlugin["hooks"]>["before"]>[number];

/** The session and user Better Auth finds for a token. */
export type FoundSession = NonNullable<HookContext["context"]["session"]>;

/** The call's request headers (empty for an `auth.api.*` call without any). */
export function requestHeaders(ctx: { request?: Request; headers?: Headers }): Headers {
  return ctx.request?.headers ?? ctx.headers ?? new Headers();
}

/** The string field `name` of a JSON body, or `undefined`. */
export function bodyString(ctx: { body?: unknown }, name: string): string | undefined {
  const body = ctx.body;
  if (!body || typeof body !== "object" || !(name in body)) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === "string" ? value : undefined;
}

/**
 * Whether the caller is an API client rather than a browser: it sent
 * neither `Origin` (browsers send one with every POST) nor a cookie.
 */
export function isApiClient(headers: Headers): boolean {
  return !headers.has("origin") && !headers.has("cookie");
}

/** Whether the caller gets bearer tokens: an API client, or a page that asks with `X-Auth-Mode: bearer`. */
export function wantsBearer(headers: Headers): boolean {
  return isApiClient(headers) || headers.get("x-auth-mode")?.toLowerCase() === "bearer";
}

/** The keys of the secrets Better Auth was given, for the hooks that check signatures themselves. */
export type KeysOf = (ctx: HookContext) => Promise<CredentialKeys>;

/**
 * {@link KeysOf}, prepared on first use and kept: the secrets of one Better
 * Auth instance never change.
 *
 * @example
 * ```ts
 * const keysOf = credentialKeysOf();
 * const { current } = await keysOf(ctx);
 * ```
 */
export function credentialKeysOf(): KeysOf {
  let keys: Promise<CredentialKeys> | undefined;
  return (ctx) => {
    keys ??= credentialKeys(secretsOf(ctx.context.secretConfig));
    return keys;
  };
}

/**
 * Reads the signed-in session of a call before its endpoint has: hooks run
 * before Better Auth's bearer plugin has turned an `Authorization` header
 * into a cookie, so this reads both itself (signatures checked first, with
 * every configured secret) and asks Better Auth for the session. `null`
 * without a live session.
 *
 * @example
 * ```ts
 * const readSession = sessionReader(credentialKeysOf());
 * const found = await readSession(ctx);
 * ```
 */
export function sessionReader(keysOf: KeysOf): (ctx: HookContext) => Promise<FoundSession | null> {
  return async (ctx) => {
    if (ctx.context.session) return ctx.context.session;
    const credential = await sessionCredential(requestHeaders(ctx), ctx.context.authCookies.sessionToken.name, await keysOf(ctx));
    if (!credential) return null;
    const found = await ctx.context.internalAdapter.findSession(credential.token);
    return found && found.session.expiresAt > new Date() ? (found as FoundSession) : null;
  };
}

/** Better Auth's two-factor challenge cookie (after the prefix): set by a sign-in that still needs a code. */
export const TWO_FACTOR_COOKIE = "two_factor";

/**
 * The user a pending two-factor challenge is for: the one whose password
 * was right at the sign-in that set the (signed) challenge cookie. `null`
 * without a live challenge.
 *
 * @example
 * ```ts
 * const user = await challengedUser(ctx); // { id, email, ... } or null
 * ```
 */
export async function challengedUser(ctx: HookContext): Promise<{ id: string; email: string } | null> {
  const name = ctx.context.createAuthCookie(TWO_FACTOR_COOKIE).name;
  const identifier = await ctx.getSignedCookie(name, ctx.context.secret);
  if (!identifier) return null;
  const challenge = await ctx.context.internalAdapter.findVerificationValue(identifier);
  if (!challenge || challenge.expiresAt < new Date()) return null;
  return ctx.context.internalAdapter.findUserById(challenge.value);
}
