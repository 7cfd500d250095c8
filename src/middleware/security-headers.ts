/** `securityHeaders()`: headers every answer of this Worker carries. docs/security.md, "Headers". */
import { createMiddleware } from "hono/factory";

/**
 * For the HTML pages (Better Auth's error page): no scripts at all, the page's own
 * inline styles, and no framing (clickjacking).
 */
const HTML_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * Adds `X-Content-Type-Options: nosniff` to every answer, and to HTML answers
 * a Content-Security-Policy with `frame-ancestors 'none'`,
 * `X-Frame-Options: DENY` and `Referrer-Policy: no-referrer` (their URLs may
 * carry a token).
 *
 * @example
 * ```ts
 * app.use("*", securityHeaders());
 * ```
 */
export function securityHeaders() {
  return createMiddleware(async function securityHeaders(c, next) {
    await next();
    const html = c.res.headers.get("content-type")?.startsWith("text/html") ?? false;
    const headers: [string, string][] = [["x-content-type-options", "nosniff"]];
    if (html) {
      headers.push(["content-security-policy", HTML_POLICY], ["x-frame-options", "DENY"], ["referrer-policy", "no-referrer"]);
    }
    try {
      for (const [name, value] of headers) c.res.headers.set(name, value);
    } catch {
      // A response passed through from elsewhere can have immutable headers: copy it.
      c.res = new Response(c.res.body, c.res);
      for (const [name, value] of headers) c.res.headers.set(name, value);
    }
  });
}
