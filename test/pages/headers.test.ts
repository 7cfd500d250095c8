import { describe, expect, it } from "vitest";
import { call } from "../helpers";
import { PageVisitor } from "./visitor";

const PAGES = ["/sign-in", "/sign-up", "/forgot-password", "/reset-password?token=abc", "/verify-email?verified=1"];

describe("the pages' security headers", () => {
  it.each(PAGES)("%s: a policy with this request's nonce and no unsafe-inline, no framing, nosniff", async (path) => {
    const response = await new PageVisitor().get(path);
    expect(response.status).toBe(200);
    const policy = response.headers.get("content-security-policy") ?? "";
    const nonce = policy.match(/script-src 'nonce-([A-Za-z0-9+/=]+)'/)?.[1];
    expect(nonce).toBeTruthy();
    expect(policy).toContain(`style-src 'nonce-${nonce}'`);
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toContain("unsafe-inline");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("cache-control")).toBe("no-store");
    // Every script and style carries the nonce, and there are no inline style attributes to refuse.
    const html = await response.text();
    const tags = html.match(/<(script|style)\b[^>]*>/g) ?? [];
    expect(tags.length).toBe(2);
    for (const tag of tags) expect(tag).toContain(`nonce="${nonce}"`);
    expect(html).not.toMatch(/\sstyle=/);
  });

  it("makes a new nonce for every answer", async () => {
    const nonces = await Promise.all([1, 2].map(async () => (await call("/sign-in")).headers.get("content-security-policy")));
    expect(nonces[0]).not.toBe(nonces[1]);
  });

  it("sends no Referer from a page whose URL holds a token, and only to this origin from the others", async () => {
    expect((await call("/reset-password?token=abc")).headers.get("referrer-policy")).toBe("no-referrer");
    expect((await call("/sign-in")).headers.get("referrer-policy")).toBe("same-origin");
  });

  it("lets the forms' redirects reach the trusted origins (a sign-in's callbackURL), and nothing else", async () => {
    const policy = (await call("/sign-in")).headers.get("content-security-policy") ?? "";
    expect(policy).toContain("form-action 'self' https://app.example.com;");
  });

  it("leaves Better Auth's own HTML with the strict script-free policy", async () => {
    const response = await call("/api/auth/error?error=SOMETHING");
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("content-security-policy")).toMatch(/^default-src 'none'; style-src 'unsafe-inline'/);
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
  });
});
