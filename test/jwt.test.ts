import { env } from "cloudflare:workers";
import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { getRuntime } from "../src/runtime";
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

  it("needs a session", async () => {
    const response = await call("/api/auth/token");
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: expect.any(String) });
  });

  it("does not sign a JWT on Better Auth's session checks", async () => {
    const client = await signUp();
    // Better Auth's own get-session (the fast path never signs anything): the jwt plugin would add set-auth-jwt.
    const { headers, response } = await getRuntime(env).auth.api.getSession({
      headers: new Headers({ authorization: `Bearer ${client.bearer}` }),
      query: { disableRefresh: true },
      returnHeaders: true,
    });
    expect(response?.user.id).toBe(client.userId);
    expect(headers.get("set-auth-jwt")).toBeNull();
  });
});
