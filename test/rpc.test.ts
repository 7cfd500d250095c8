import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, rawToken, signIn, signUp } from "./helpers";

const auth = exports.AuthService;

describe("AuthService RPC", () => {
  it("validates the headers of a cookie or a bearer request", async () => {
    const client = await signUp();
    const variants: Record<string, string>[] = [
      { cookie: client.cookie },
      { authorization: `Bearer ${client.bearer}` },
      { Authorization: `Bearer ${client.bearer}` },
      { AUTHORIZATION: `Bearer ${client.bearer}` },
      { Cookie: client.cookie },
    ];
    for (const headers of variants) {
      const result = await auth.validateHeaders(headers);
      expect(result?.user).toMatchObject({ id: client.userId, email: client.email });
      expect(result?.session.userId).toBe(client.userId);
      expect(result?.session.expiresAt).toBeInstanceOf(Date);
      expect(result?.session).not.toHaveProperty("token");
    }
  });

  it("validates a bearer token", async () => {
    const client = await signUp();
    expect((await auth.validateToken(client.bearer))?.user.id).toBe(client.userId);
  });

  it("answers null without a valid session", async () => {
    const client = await signUp();
    expect(await auth.validateHeaders({})).toBeNull();
    expect(await auth.validateToken("")).toBeNull();
    expect(await auth.validateToken(rawToken(client.bearer))).toBeNull();
    expect(await auth.validateToken(`${rawToken(client.bearer)}.${btoa("forged".repeat(6))}`)).toBeNull();
    expect(await auth.validateHeaders({ cookie: "garbage=%%%", authorization: "Basic abc" })).toBeNull();
  });

  it("reads identity from session credentials only", async () => {
    const alice = await signUp();
    const bob = await signUp();
    const spoofed = { "x-user-id": bob.userId, "x-user-email": bob.email };
    expect(await auth.validateHeaders(spoofed)).toBeNull();
    const result = await auth.validateHeaders({ ...spoofed, authorization: `Bearer ${alice.bearer}` });
    expect(result?.user.id).toBe(alice.userId);
  });

  it("refuses expired and revoked sessions", async () => {
    const client = await signUp();
    const expired = await signIn(client.email);
    await env.DB.prepare("UPDATE session SET expires_at = ? WHERE token = ?")
      .bind(Date.now() - 1_000, rawToken(expired.bearer))
      .run();
    expect(await auth.validateToken(expired.bearer)).toBeNull();

    const revoked = await signIn(client.email);
    expect(await auth.validateToken(revoked.bearer)).not.toBeNull();
    await call("/api/auth/sign-out", { method: "POST", headers: { authorization: `Bearer ${revoked.bearer}` }, json: {} });
    expect(await auth.validateToken(revoked.bearer)).toBeNull();
    expect(await auth.validateToken(revoked.bearer, { fresh: true })).toBeNull();
  });

  it("answers fresh checks from D1 even when KV has no copy", async () => {
    const client = await signUp();
    await env.SESSION_KV.delete(`ba:v1:${rawToken(client.bearer)}`);
    expect((await auth.validateToken(client.bearer, { fresh: true }))?.user.id).toBe(client.userId);
    expect((await auth.validateToken(client.bearer))?.user.id).toBe(client.userId);
  });

  it("serves the HTTP API over the same binding", async () => {
    const response = await auth.fetch(new Request("https://auth.example.com/health"));
    expect(await response.json()).toEqual({ ok: true });
  });
});
