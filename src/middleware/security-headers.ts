/** `securityHeaders()`: headers every answer of this Worker carries. docs/security.md, "Headers". */
import { createMiddleware } from "hono/factory";

/**
 * For HTML answers that bring no policy of their own (Better Auth's error
 * page): no scripts at all, the page's own inline styles, and no framing
 * (clickjacking). The account pages set a stricter one, with nonces
 * (`src/pages/headers.ts`).
 */
const HTML_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * Adds `X-Content-Type-Options: nosniff` to every answer, and to HTML answers
 * `X-Frame-Options: DENY`, a Content-Security-Policy with
 * `frame-ancestors 'none'` and `Referrer-Policy: no-referrer` (their URLs may
 * carry a token), each unless the answer has set its own.
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
      headers.push(["x-frame-options", "DENY"]);
      if (!c.res.headers.has("content-security-policy")) headers.push(["content-security-policy", HTML_POLICY]);
      if (!c.res.headers.has("referrer-policy")) headers.push(["referrer-policy", "no-referrer"]);
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
