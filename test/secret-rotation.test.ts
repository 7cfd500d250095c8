import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { AuthService } from "../src/rpc/auth-service";
import { getRuntime } from "../src/runtime";
import { fastLookup } from "../src/sessions/fast-path";
import { callIn, editCachedSession, ORIGIN, PASSWORD, rawToken, sessionCookie, signUp } from "./helpers";

/** The secret every test starts with: BETTER_AUTH_SECRET alone, version 0. */
const OLD = env.BETTER_AUTH_SECRET;
const NEW = "rotated-secret-fedcba9876543210fedcba9876543210";

/** During the grace period, as docs/security.md says: the new secret signs, the old one still verifies. */
const rotated = (): Env => ({ ...env, BETTER_AUTH_SECRETS: `1:${NEW},0:${OLD}` });
/** Once the grace period is over: the old secret dropped. */
const dropped = (): Env => ({ ...env, BETTER_AUTH_SECRETS: `1:${NEW}` });

/** Whether `credential` (a bearer token or a `name=value` cookie) carries `secret`'s signature. */
async function signedWith(credential: string, secret: string): Promise<boolean> {
  const value = decodeURIComponent(credential.includes("session_token=") ? credential.slice(credential.indexOf("=") + 1) : credential);
  const dot = value.lastIndexOf(".");
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(value.slice(0, dot))));
  return value.slice(dot + 1) === btoa(String.fromCharCode(...signature));
}

/** The session the Worker in `environment` sees for `headers` over HTTP (`/api/me`: the fast path for a warm session). */
async function me(environment: Env, headers: Record<string, string>) {
  const response = await callIn(environment, "/api/me", { headers });
  return response.status === 200 ? ((await response.json()) as { user: { id: string } }).user.id : response.status;
}

async function signInIn(environment: Env, email: string) {
  const response = await callIn(environment, "/api/auth/sign-in/email", { method: "POST", json: { email, password: PASSWORD } });
  expect(response.status).toBe(200);
  return { cookie: sessionCookie(response) ?? "", bearer: response.headers.get("set-auth-token") ?? "" };
}

async function jwtIn(environment: Env, bearer: string): Promise<string> {
  const response = await callIn(environment, "/api/auth/token", { headers: { authorization: `Bearer ${bearer}` } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { token: string }).token;
}

async function verifies(environment: Env, jwt: string): Promise<boolean> {
  const jwks = (await (await callIn(environment, "/api/auth/jwks")).json()) as JSONWebKeySet;
  return jwtVerify(jwt, createLocalJWKSet(jwks), { issuer: ORIGIN, audience: ORIGIN }).then(
    () => true,
    () => false,
  );
}

async function keyRow(kid: string) {
  return env.DB.prepare("SELECT private_key, expires_at FROM jwks WHERE id = ?")
    .bind(kid)
    .first<{ private_key: string; expires_at: number | null }>();
}

describe("rotating the secret", () => {
  it("keeps sessions signed with the previous secret, on the fast path, through Better Auth and over RPC", async () => {
    const client = await signUp();
    const cookie = { cookie: client.cookie };
    const bearer = { authorization: `Bearer ${client.bearer}` };
    expect(await signedWith(client.bearer, OLD)).toBe(true);
    const during = rotated();
    // The rotation is in effect: the Worker signs with the new secret now.
    expect(await signedWith((await signInIn(during, client.email)).bearer, NEW)).toBe(true);

    // The warm-check fast path (KV copy, no Better Auth).
    const fastPath = await getRuntime(during).fastPath();
    for (const headers of [cookie, bearer]) {
      expect(await fastLookup(fastPath, new Headers(headers))).toMatchObject({ user: { id: client.userId } });
      expect(await me(during, headers)).toBe(client.userId);
    }
    // Better Auth's own session reads and endpoints.
    for (const headers of [cookie, bearer]) {
      const found = await getRuntime(during).auth.api.getSession({ headers: new Headers(headers), query: { disableRefresh: true } });
      expect(found?.user.id).toBe(client.userId);
      expect((await callIn(during, "/api/auth/list-sessions", { headers })).status).toBe(200);
    }
    // Over RPC, cached and fresh.
    const rpc = new AuthService(createExecutionContext(), during);
    expect((await rpc.validateToken(client.bearer))?.user.id).toBe(client.userId);
    expect((await rpc.validateToken(client.bearer, { fresh: true }))?.user.id).toBe(client.userId);
    expect((await rpc.validateHeaders(cookie, { fresh: true }))?.user.id).toBe(client.userId);

    // Signing out with the old credential ends the session.
    const signOut = await callIn(during, "/api/auth/sign-out", { method: "POST", headers: bearer, json: {} });
    expect(signOut.status).toBe(200);
    expect(await me(during, bearer)).toBe(401);
  });

  it("counts wrong passwords against the account of a session signed with the previous secret", async () => {
    const client = await signUp();
    const during = rotated();
    const guess = (password: string) =>
      callIn(during, "/api/auth/change-password", {
        method: "POST",
        headers: { authorization: `Bearer ${client.bearer}` },
        json: { currentPassword: password, newPassword: "a brand new passphrase" },
      });
    for (let i = 0; i < Number(env.LOCKOUT_THRESHOLD); i++) expect((await guess("wrong password!")).status).toBe(400);
    expect((await guess(PASSWORD)).status).toBe(429);
  });

  it("signs new sessions and renewed cookies with the current secret only", async () => {
    const client = await signUp();
    const during = rotated();
    const fresh = await signInIn(during, client.email);
    for (const credential of [fresh.bearer, fresh.cookie]) {
      expect(await signedWith(credential, NEW)).toBe(true);
      expect(await signedWith(credential, OLD)).toBe(false);
    }

    // An old cookie whose session is due for renewal comes back signed with the new secret.
    const token = rawToken(client.cookie);
    const renewAt = Date.now() + (Number(env.SESSION_EXPIRES_IN) - Number(env.SESSION_UPDATE_AGE)) * 1000 - 60_000;
    await env.DB.prepare("UPDATE session SET expires_at = ? WHERE token = ?").bind(renewAt, token).run();
    await editCachedSession(token, (copy) => {
      copy.session.expiresAt = new Date(renewAt).toISOString();
    });
    const renewal = await callIn(during, "/api/auth/get-session", { headers: { cookie: client.cookie } });
    expect(renewal.status).toBe(200);
    const renewed = sessionCookie(renewal) ?? "";
    expect(rawToken(renewed)).toBe(token);
    expect(await signedWith(renewed, NEW)).toBe(true);

    // Once the old secret is dropped, only what the new one signed still works.
    const after = dropped();
    expect(await me(after, { authorization: `Bearer ${fresh.bearer}` })).toBe(client.userId);
    expect(await me(after, { cookie: renewed })).toBe(client.userId);
    expect(await me(after, { authorization: `Bearer ${client.bearer}` })).toBe(401);
    expect(await new AuthService(createExecutionContext(), after).validateToken(client.bearer, { fresh: true })).toBeNull();
  });

  it("keeps JWTs verifying and signs new ones with a new key sealed with the new secret", async () => {
    const client = await signUp();
    const oldJwt = await jwtIn({ ...env }, client.bearer);
    const oldKid = decodeProtectedHeader(oldJwt).kid ?? "";

    const during = rotated();
    const newJwt = await jwtIn(during, client.bearer);
    const newKid = decodeProtectedHeader(newJwt).kid ?? "";
    expect(newKid).not.toBe(oldKid);
    expect(await verifies(during, oldJwt)).toBe(true);
    expect(await verifies(during, newJwt)).toBe(true);
    // The new key is sealed with the current secret (version 1); the old one stopped signing.
    expect((await keyRow(newKid))?.private_key).toMatch(/^"\$ba\$1\$/);
    expect((await keyRow(oldKid))?.expires_at).toBeLessThanOrEqual(Date.now());

    // Dropping the old secret changes nothing for JWTs: the same key signs, the old JWT still verifies.
    const after = dropped();
    expect(decodeProtectedHeader(await jwtIn(after, (await signInIn(after, client.email)).bearer)).kid).toBe(newKid);
    expect(await verifies(after, oldJwt)).toBe(true);
  });

  it("a new secret alone ends the old sessions but still issues JWTs", async () => {
    const client = await signUp();
    await jwtIn({ ...env }, client.bearer);
    const replaced = { ...env, BETTER_AUTH_SECRET: NEW };
    expect(await me(replaced, { authorization: `Bearer ${client.bearer}` })).toBe(401);
    const fresh = await signInIn(replaced, client.email);
    expect(await verifies(replaced, await jwtIn(replaced, fresh.bearer))).toBe(true);
  });

  it("refuses a list with a secret shorter than 32 characters", async () => {
    const response = await callIn({ ...env, BETTER_AUTH_SECRETS: `1:${NEW},0:too-short` }, "/api/auth/get-session");
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ code: "MISCONFIGURED" });
  });

  it("keeps a device known across the rotation while the old secret is configured", async () => {
    const client = await signUp();
    const before = await callIn(env, "/api/auth/sign-in/email", { method: "POST", json: { email: client.email, password: PASSWORD } });
    const device = before.headers.get("set-device-token") ?? "";
    const environment = rotated();
    // Guesses from elsewhere lock the account for unknown devices...
    for (let i = 0; i < 5; i++) {
      await callIn(environment, "/api/auth/sign-in/email", { method: "POST", json: { email: client.email, password: `wrong guess ${i}` } });
    }
    const unknown = await callIn(environment, "/api/auth/sign-in/email", {
      method: "POST",
      json: { email: client.email, password: PASSWORD },
    });
    expect(unknown.status).toBe(429);
    // ...while the device that signed in before the rotation still signs in, and gets its token signed anew.
    const known = await callIn(environment, "/api/auth/sign-in/email", {
      method: "POST",
      headers: { "x-device-token": device },
      json: { email: client.email, password: PASSWORD },
    });
    expect(known.status).toBe(200);
    const renewed = known.headers.get("set-device-token") ?? "";
    expect(renewed.split(".")[0]).toBe(device.split(".")[0]);
    expect(renewed).not.toBe(device);
  });
});
