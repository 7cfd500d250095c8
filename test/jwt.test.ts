import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from "jose";
import { describe, expect, it } from "vitest";
import { call, ORIGIN, signUp } from "./helpers";

describe("JWT and JWKS", () => {
  it("issues a short-lived JWT that verifies against the JWKS", async () => {
    const client = await signUp();
    const tokenResponse = await call("/api/auth/token", { headers: { authorization: `Bearer ${client.bearer}` } });
    expect(tokenResponse.status).toBe(200);
    const { token } = (await tokenResponse.json()) as { token: string };

    const jwksResponse = await call("/api/auth/jwks");
    expect(jwksResponse.status).toBe(200);
    expect(jwksResponse.headers.get("cache-control")).toBe("public, max-age=300");
    const jwks = (await jwksResponse.json()) as JSONWebKeySet;
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const key of jwks.keys) expect(key).not.toHaveProperty("d");

    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: ORIGIN, audience: ORIGIN });
    expect(payload.sub).toBe(client.userId);
    expect(payload.email).toBe(client.email);
    expect(payload.sid).toEqual(expect.any(String));
    expect(payload.exp! - payload.iat!).toBe(900);
    expect(payload).not.toHaveProperty("name");
    expect(decodeProtectedHeader(token).alg).toBe("EdDSA");
  });

  it("refuses a tampered JWT", async () => {
    const client = await signUp();
    const { token } = (await (await call("/api/auth/token", { headers: { authorization: `Bearer ${client.bearer}` } })).json()) as { token: string };
    const jwks = (await (await call("/api/auth/jwks")).json()) as JSONWebKeySet;
    const [header, payload, signature] = token.split(".");
    const forgedPayload = btoa(JSON.stringify({ ...JSON.parse(atob(payload!.replace(/-/g, "+").replace(/_/g, "/"))), sub: "someone-else" }))
      .replace(/=+$/, "")
      .replace(/\+/g, "-")
      .replace(/\//g, "_");
    await expect(jwtVerify(`${header}.${forgedPayload}.${signature}`, createLocalJWKSet(jwks))).rejects.toThrow();
  });

  it("needs a session", async () => {
    const response = await call("/api/auth/token");
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: expect.any(String) });
  });

  it("does not sign a JWT on every session check", async () => {
    const client = await signUp();
    const response = await call("/api/auth/get-session", { headers: { authorization: `Bearer ${client.bearer}` } });
    expect(response.headers.get("set-auth-jwt")).toBeNull();
  });
});
