/**
 * Browsers and API clients. A call with neither `Origin` nor a cookie is an
 * API client (a server, a mobile app, Node's or Deno's fetch, whatever its
 * `Sec-Fetch-*` headers say): it may sign up and in without an `Origin`, and
 * it gets the bearer token. Browsers get only the HttpOnly cookie, and keep
 * Better Auth's CSRF checks. docs/security.md, "Cookies or bearer tokens".
 */
import { createAuthMiddleware } from "better-auth/api";
import { type Hook, isApiClient, requestHeaders, wantsBearer } from "./context";

/** Paths whose answer carries the session token at the top level (`token`). */
const TOKEN_ANSWERS = new Set([
  "/sign-in/email",
  "/sign-up/email",
  "/change-password",
  "/reauthenticate",
  "/two-factor/verify-totp",
  "/two-factor/verify-backup-code",
]);

/**
 * Lets an API client sign up and in: Better Auth would ask for an `Origin`
 * whenever `Sec-Fetch-*` headers are present, as Node, Deno and Bun always
 * send them. Without a cookie and without an `Origin` no browser is involved
 * (browsers send `Origin` with every POST, a cross-site form included), so
 * there is no login CSRF to prevent. Any `Origin` or cookie keeps every
 * check, and so does a request that calls itself a navigation
 * (`Sec-Fetch-Mode: navigate`), which only browsers send.
 */
export const apiClientSignIn: Hook = {
  matcher: (ctx) => ctx.path === "/sign-in/email" || ctx.path === "/sign-up/email",
  handler: createAuthMiddleware(async (ctx) => {
    const headers = requestHeaders(ctx);
    if (!isApiClient(headers) || headers.get("sec-fetch-mode") === "navigate") return;
    return { context: { context: { skipCSRFCheck: true } } };
  }),
};

/**
 * Bearer tokens go to API clients only, signed, in `set-auth-token` and as
 * `token` in the body of sign-up, sign-in and change-password. A browser's
 * answer carries neither, so no script on the page sees a usable token.
 */
export const bearerDelivery: Hook = {
  matcher: () => true,
  handler: createAuthMiddleware(async (ctx) => {
    const responseHeaders = ctx.context.responseHeaders;
    const bearer = wantsBearer(requestHeaders(ctx));
    const signed = bearer ? (responseHeaders?.get("set-auth-token") ?? null) : null;
    if (!bearer) {
      responseHeaders?.delete("set-auth-token");
      responseHeaders?.delete("access-control-expose-headers");
    }
    const returned = ctx.context.returned;
    if (!ctx.path || !TOKEN_ANSWERS.has(ctx.path) || !returned || typeof returned !== "object" || !("token" in returned)) return;
    const { token: _raw, ...rest } = returned as Record<string, unknown>;
    // The bearer token, when given, is the signed one: the only form accepted.
    return ctx.json(signed ? { ...rest, token: signed } : rest);
  }),
};
