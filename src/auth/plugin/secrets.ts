/**
 * Secret rotation, for Better Auth's own endpoints: it checks cookie and
 * bearer signatures with its current secret only. A credential signed with a
 * previous secret (still configured, during the grace period) reaches them
 * signed with the current one. docs/security.md, "Rotating the secret".
 */
import { createAuthMiddleware } from "better-auth/api";
import { setRequestCookie } from "better-auth/cookies";
import { sessionCredential, signedToken } from "../../sessions/credentials";
import { type Hook, type KeysOf, requestHeaders } from "./context";

/**
 * Hands the rest of the call the session cookie re-signed with the current
 * secret when the call's credential (the bearer token first, then the
 * cookie, as Better Auth reads them) was signed with a previous one: the way
 * Better Auth's bearer plugin hands on a bearer token. Nothing is signed with
 * a previous secret; cookies Better Auth sets (a renewal) carry the current
 * secret's signature.
 */
export function previousSecretCredentials(keysOf: KeysOf): Hook {
  return {
    matcher: (ctx) => {
      const headers = requestHeaders(ctx);
      return headers.has("authorization") || headers.has("cookie");
    },
    handler: createAuthMiddleware(async (ctx) => {
      const keys = await keysOf(ctx);
      if (keys.previous.length === 0) return;
      const headers = requestHeaders(ctx);
      const cookieName = ctx.context.authCookies.sessionToken.name;
      const found = await sessionCredential(headers, cookieName, keys);
      if (!found || found.current) return;
      const resigned = new Headers(headers);
      setRequestCookie(resigned, cookieName, await signedToken(found.token, keys));
      return { context: { headers: resigned } };
    }),
  };
}
