/**
 * The pages' own security headers: a Content-Security-Policy that lets in
 * only the request's nonce (no `unsafe-inline`), no framing, no caching, and
 * no `Referer` at all from a page whose URL holds a token. The app-wide
 * `securityHeaders()` keeps a policy a page has set. docs/pages.md, "Headers".
 */
import { createMiddleware } from "hono/factory";
import { getRuntime } from "../runtime";
import type { AppEnv } from "../types";

/** The Hono environment of the pages: the app's, plus the request's nonce. */
export type PageEnv = AppEnv & { Variables: { nonce: string } };

/**
 * The policy for a page. Forms may post to this origin only, and their
 * redirects may lead to `TRUSTED_ORIGINS` (a sign-in's `callbackURL`).
 */
export function pagePolicy(nonce: string, trustedOrigins: readonly string[]): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "img-src data:",
    "connect-src 'self'",
    `form-action ${["'self'", ...trustedOrigins].join(" ")}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * Makes the request's nonce (`c.var.nonce`) and sets the pages' headers on
 * the answer: the policy above, `Referrer-Policy` (`no-referrer` when the
 * URL carries a `token`, else `same-origin`, so forms keep a real `Origin`),
 * `Cache-Control: no-store` and `Cross-Origin-Opener-Policy: same-origin`.
 *
 * @example
 * ```ts
 * pages.use("*", pageHeaders());
 * ```
 */
export function pageHeaders() {
  return createMiddleware<PageEnv>(async function pageHeaders(c, next) {
    const nonce = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(18))));
    c.set("nonce", nonce);
    await next();
    const tokenInUrl = new URL(c.req.url).searchParams.has("token");
    c.res.headers.set("content-security-policy", pagePolicy(nonce, getRuntime(c.env).config.trustedOrigins));
    c.res.headers.set("referrer-policy", tokenInUrl ? "no-referrer" : "same-origin");
    c.res.headers.set("cache-control", "no-store");
    c.res.headers.set("cross-origin-opener-policy", "same-origin");
  });
}
