import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { editCachedSession, PASSWORD, randomIp, rawToken, signIn, signUp, uniqueEmail } from "./helpers";

const EXAMPLE_ORIGIN = "https://app.example.com";

function example(path: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (!headers.has("cf-connecting-ip")) headers.set("cf-connecting-ip", randomIp());
  return env.EXAMPLE.fetch(new URL(path, EXAMPLE_ORIGIN), { ...init, headers, redirect: "manual" });
}

async function expectUnauthorized(response: Response) {
  expect(response.status).toBe(401);
  expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
  expect(await response.json()).toEqual({ code: "UNAUTHORIZED", message: expect.any(String) });
}

describe("example consumer Worker", () => {
  it("serves / to everyone", async () => {
    const response = await example("/");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, signedIn: false });
  });

  it("answers /private with the user's id and email for a cookie or a bearer token", async () => {
    const client = await signUp();
    for (const headers of [{ cookie: client.cookie }, { authorization: `Bearer ${client.bearer}` }] as Record<string, string>[]) {
      const response = await example("/private", { headers });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ id: client.userId, email: client.email });
    }
  });

  it("refuses anonymous, tampered, expired and revoked sessions", async () => {
    await expectUnauthorized(await example("/private"));

    const client = await signUp();
    const [token] = client.bearer.split(".");
    await expectUnauthorized(await example("/private", { headers: { authorization: `Bearer ${token}.${btoa("x".repeat(32))}` } }));
    await expectUnauthorized(await example("/private", { headers: { cookie: client.cookie.replace(/.$/, "A") } }));

    const expired = await signIn(client.email);
    await env.DB.prepare("UPDATE session SET expires_at = ? WHERE token = ?")
      .bind(Date.now() - 1_000, rawToken(expired.bearer))
      .run();
    const cachedCopy = await env.SESSION_KV.get(`ba:v1:${rawToken(expired.bearer)}`);
    expect(cachedCopy).not.toBeNull();
    await expectUnauthorized(await example("/private", { headers: { authorization: `Bearer ${expired.bearer}` } }));

    const revoked = await signIn(client.email);
    expect((await example("/private", { headers: { authorization: `Bearer ${revoked.bearer}` } })).status).toBe(200);
    // Signed out through the example (its own answer goes at once; test/consumer-reuse.test.ts has the other ways).
    const signOut = await example("/api/auth/sign-out", {
      method: "POST",
      headers: { authorization: `Bearer ${revoked.bearer}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(signOut.status).toBe(200);
    await expectUnauthorized(await example("/private", { headers: { authorization: `Bearer ${revoked.bearer}` } }));
  });

  it("ignores identity headers the client sent", async () => {
    const client = await signUp();
    const spoofed = {
      "x-user-id": client.userId,
      "x-user-email": client.email,
      "x-auth-user": client.userId,
      "cf-access-authenticated-user-email": client.email,
      "x-forwarded-user": client.email,
    };
    await expectUnauthorized(await example("/private", { headers: spoofed }));
    const root = await example("/", { headers: spoofed });
    expect(await root.json()).toEqual({ ok: true, signedIn: false });
  });

  it("forwards /api/auth/* so a browser signs in on the example's origin", async () => {
    const email = uniqueEmail("browser");
    const signUpResponse = await example("/api/auth/sign-up/email", {
      method: "POST",
      headers: { "content-type": "application/json", origin: EXAMPLE_ORIGIN },
      body: JSON.stringify({ email, password: PASSWORD, name: "Browser" }),
    });
    expect(signUpResponse.status).toBe(200);
    const cookie = signUpResponse.headers.getSetCookie().find((value) => value.includes("session_token="));
    expect(cookie).toMatch(/HttpOnly/i);
    const response = await example("/private", { headers: { cookie: cookie!.split(";")[0]! } });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { email: string }).email).toBe(email);
  });

  it("forwards the client address it was given, not one the client claims", async () => {
    const ip = randomIp();
    const attempt = () =>
      example("/api/auth/sign-in/email", {
        method: "POST",
        headers: { "content-type": "application/json", "cf-connecting-ip": ip, "x-forwarded-for": randomIp() },
        body: JSON.stringify({ email: uniqueEmail("guess"), password: "wrong password!" }),
      });
    for (let i = 0; i < 10; i++) expect((await attempt()).status).toBe(401);
    expect((await attempt()).status).toBe(429);
  });

  it("passes a renewed session cookie back to the browser", async () => {
    const client = await signUp();
    const token = rawToken(client.bearer);
    const fiveDays = Date.now() + 5 * 86_400_000;
    await editCachedSession(token, (copy) => {
      copy.session.expiresAt = new Date(fiveDays).toISOString();
    });
    await env.DB.prepare("UPDATE session SET expires_at = ? WHERE token = ?").bind(fiveDays, token).run();
    const response = await example("/private", { headers: { cookie: client.cookie } });
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie().find((value) => value.includes("session_token="))).toMatch(/Max-Age=604800/);
  });
});
