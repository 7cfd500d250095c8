/**
 * Known devices, after OWASP's device-cookie scheme: a device that signed in
 * to an account gets a token bound to that account, and with it signs in on
 * a failure count of its own, so guesses from elsewhere cannot lock its
 * owner out. docs/rate-limiting.md, "Account lockout".
 *
 * A token is `<nonce>.<mac>`, the MAC an HMAC-SHA-256 with the secret over
 * the account and the nonce: it names the device, works for that account
 * only, and cannot be made without the secret. Browsers keep it in an
 * HttpOnly cookie (`device_token`); API clients get it in `Set-Device-Token`
 * at sign-in and send it back in `X-Device-Token`.
 */
import { createAuthMiddleware, isAPIError } from "better-auth/api";
import { bodyString, type Hook, type HookContext, type KeysOf, requestHeaders, wantsBearer } from "../auth/plugin/context";
import { accountKey } from "./keys";

/** The cookie (after Better Auth's prefix) and the headers that carry a device token. */
export const DEVICE_COOKIE = "device_token";
export const DEVICE_HEADER = "x-device-token";
export const SET_DEVICE_HEADER = "set-device-token";

/** The paths whose success signs a device in: the password, the second factor a sign-in asked for, or a passkey. */
const SIGN_IN_PATHS = new Set([
  "/sign-in/email",
  "/two-factor/verify-totp",
  "/two-factor/verify-backup-code",
  "/passkey/verify-authentication",
]);

/** How long a device stays known without signing in again: Chrome's cap on cookie lifetimes. */
const DEVICE_MAX_AGE_SECONDS = 400 * 86_400;

/**
 * Device tokens for one Better Auth instance: `knownDevice` reads the
 * device a sign-in comes from, `issueDevice` (an after hook) hands a token
 * to a device that has just signed in.
 *
 * @example
 * ```ts
 * const devices = deviceTokens(credentialKeysOf());
 * const device = await devices.knownDevice(ctx, "ada@example.com"); // the nonce, or null
 * ```
 */
export function deviceTokens(keysOf: KeysOf) {
  const mac = async (key: CryptoKey, account: string, nonce: string) => {
    const signature = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`device:${account}:${nonce}`));
    return base64url(new Uint8Array(signature));
  };

  /** The device token a call carries, header first, then cookie. */
  const presented = (ctx: HookContext): string | null => {
    const header = requestHeaders(ctx).get(DEVICE_HEADER)?.trim();
    if (header) return header;
    const name = ctx.context.createAuthCookie(DEVICE_COOKIE).name;
    return ctx.getCookie?.(name) ?? null;
  };

  /** The nonce of the device this call comes from, if it signed in to `email`'s account before. */
  async function knownDevice(ctx: HookContext, email: string): Promise<string | null> {
    const account = accountKey(email);
    const token = presented(ctx);
    if (!account || !token) return null;
    const [nonce, signature, extra] = token.split(".");
    if (!nonce || !signature || extra !== undefined || !/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) return null;
    // Tokens made before a secret rotation stay good while the previous secret is configured.
    const { current, previous } = await keysOf(ctx);
    for (const key of [current, ...previous]) {
      if (timingSafeEqual(signature, await mac(key, account, nonce))) return nonce;
    }
    return null;
  }

  /** After a successful sign-in (with the password, or its second factor): the device's token, the one it had or a new one. */
  const issueDevice: Hook = {
    matcher: (ctx) => ctx.path !== undefined && SIGN_IN_PATHS.has(ctx.path),
    handler: createAuthMiddleware(async (ctx) => {
      const returned = ctx.context.returned as { user?: { email?: string } } | undefined;
      if (!returned || isAPIError(returned) || !returned.user) return;
      const email = bodyString(ctx, "email") ?? returned.user.email;
      const account = email ? accountKey(email) : null;
      if (!email || !account) return;
      const nonce = (await knownDevice(ctx, email)) ?? base64url(crypto.getRandomValues(new Uint8Array(18)));
      const token = `${nonce}.${await mac((await keysOf(ctx)).current, account, nonce)}`;
      const cookie = ctx.context.createAuthCookie(DEVICE_COOKIE, { maxAge: DEVICE_MAX_AGE_SECONDS });
      ctx.setCookie(cookie.name, token, cookie.attributes);
      if (wantsBearer(requestHeaders(ctx))) ctx.setHeader(SET_DEVICE_HEADER, token);
    }),
  };

  return { knownDevice, issueDevice };
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** Compares two strings in time that depends on their length only. */
function timingSafeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
