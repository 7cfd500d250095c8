import { describe, expect, it } from "vitest";
import {
  type Client,
  call,
  getSession,
  kvHasSession,
  ORIGIN,
  PASSWORD,
  rawToken,
  sessionCookie,
  sessionRow,
  signIn,
  signUp,
} from "./helpers";

/** Credentials as a cookie or as a bearer token, to run each case both ways. */
const modes = {
  // Browsers send Origin with every POST; Better Auth refuses cookie POSTs without a trusted one.
  cookie: (credential: { cookie: string; bearer: string }) => ({ cookie: credential.cookie, origin: ORIGIN }),
  bearer: (credential: { cookie: string; bearer: string }) => ({ authorization: `Bearer ${credential.bearer}` }),
} as const;

async function isLive(credential: { cookie: string; bearer: string }): Promise<boolean> {
  const { body } = await getSession(credential.bearer ? { bearer: credential.bearer } : { cookie: credential.cookie });
  return body !== null;
}

async function isGoneEverywhere(credential: { bearer: string }): Promise<boolean> {
  const token = rawToken(credential.bearer);
  return (await sessionRow(token)) === null && !(await kvHasSession(token));
}

async function twoMoreSessions(client: Client) {
  const second = await signIn(client.email);
  const third = await signIn(client.email);
  return [second, third];
}

describe.each(Object.entries(modes))("with a %s", (_mode, credentials) => {
  it("sign-out ends this session only, in D1 and KV", async () => {
    const client = await signUp();
    const [other] = await twoMoreSessions(client);
    const response = await call("/api/auth/sign-out", { method: "POST", headers: credentials(client), json: {} });
    expect(response.status).toBe(200);
    expect(await isLive(client)).toBe(false);
    expect(await isGoneEverywhere(client)).toBe(true);
    expect(await isLive(other!)).toBe(true);
  });

  it("sign-out clears the session cookie", async () => {
    const client = await signUp();
    const response = await call("/api/auth/sign-out", { method: "POST", headers: credentials(client), json: {} });
    const cleared = response.headers.getSetCookie().find((value) => value.includes("session_token="));
    expect(cleared).toMatch(/Max-Age=0/i);
    // A browser only replaces a __Host- cookie with one that is itself valid: Secure, Path=/, no Domain.
    expect(cleared).toMatch(/^__Host-better-auth\.session_token=;/);
    expect(cleared).toMatch(/;\s*Secure/i);
    expect(cleared).toMatch(/;\s*Path=\/(;|$)/i);
    expect(cleared).not.toMatch(/;\s*Domain=/i);
  });

  it("the old token is refused after sign-out", async () => {
    const client = await signUp();
    await call("/api/auth/sign-out", { method: "POST", headers: credentials(client), json: {} });
    const me = await call("/api/me", { headers: credentials(client) });
    expect(me.status).toBe(401);
  });

  it("revoke-session ends the named session", async () => {
    const client = await signUp();
    const [victim, bystander] = await twoMoreSessions(client);
    const response = await call("/api/auth/revoke-session", {
      method: "POST",
      headers: credentials(client),
      json: { token: rawToken(victim!.bearer) },
    });
    expect(response.status).toBe(200);
    expect(await isLive(victim!)).toBe(false);
    expect(await isGoneEverywhere(victim!)).toBe(true);
    expect(await isLive(bystander!)).toBe(true);
    expect(await isLive(client)).toBe(true);
  });

  it("revoke-session also takes the id that list-sessions shows", async () => {
    const client = await signUp();
    const [victim, bystander] = await twoMoreSessions(client);
    const victimId = (await sessionRow(rawToken(victim!.bearer)))!.id;
    const response = await call("/api/auth/revoke-session", { method: "POST", headers: credentials(client), json: { id: victimId } });
    expect(response.status).toBe(200);
    expect(await isLive(victim!)).toBe(false);
    expect(await isGoneEverywhere(victim!)).toBe(true);
    expect(await isLive(bystander!)).toBe(true);
  });

  it("revoke-session by id answers 404 for an id that is not the caller's", async () => {
    const client = await signUp();
    const stranger = await signUp();
    const strangerId = (await sessionRow(rawToken(stranger.bearer)))!.id;
    for (const id of [strangerId, "no-such-session"]) {
      const response = await call("/api/auth/revoke-session", { method: "POST", headers: credentials(client), json: { id } });
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ code: "SESSION_NOT_FOUND" });
    }
    expect(await isLive(stranger)).toBe(true);
  });

  it("revoke-session cannot end another user's session", async () => {
    const client = await signUp();
    const stranger = await signUp();
    const response = await call("/api/auth/revoke-session", {
      method: "POST",
      headers: credentials(client),
      json: { token: rawToken(stranger.bearer) },
    });
    // The answer does not reveal whether the token exists; it just has no effect.
    expect(response.status).toBeLessThan(500);
    expect(await isLive(stranger)).toBe(true);
    expect(await isLive(client)).toBe(true);
  });

  it("revoke-other-sessions keeps only the current session", async () => {
    const client = await signUp();
    const others = await twoMoreSessions(client);
    const response = await call("/api/auth/revoke-other-sessions", { method: "POST", headers: credentials(client), json: {} });
    expect(response.status).toBe(200);
    expect(await isLive(client)).toBe(true);
    for (const other of others) {
      expect(await isLive(other)).toBe(false);
      expect(await isGoneEverywhere(other)).toBe(true);
    }
  });

  it("revoke-sessions ends every session of the user", async () => {
    const client = await signUp();
    const others = await twoMoreSessions(client);
    const response = await call("/api/auth/revoke-sessions", { method: "POST", headers: credentials(client), json: {} });
    expect(response.status).toBe(200);
    for (const credential of [client, ...others]) {
      expect(await isLive(credential)).toBe(false);
      expect(await isGoneEverywhere(credential)).toBe(true);
    }
  });

  it("change-password with revokeOtherSessions ends the other sessions and keeps a working one", async () => {
    const client = await signUp();
    const others = await twoMoreSessions(client);
    const response = await call("/api/auth/change-password", {
      method: "POST",
      headers: credentials(client),
      json: { currentPassword: PASSWORD, newPassword: "a brand new passphrase", revokeOtherSessions: true },
    });
    expect(response.status).toBe(200);
    for (const other of others) expect(await isLive(other)).toBe(false);
    // Browsers get the new session as a cookie, API clients as a bearer token.
    const renewed = { bearer: response.headers.get("set-auth-token") ?? "", cookie: sessionCookie(response) ?? "" };
    expect(renewed.bearer || renewed.cookie).not.toBe("");
    expect(await isLive(renewed)).toBe(true);
    expect((await signIn(client.email, PASSWORD)).response.status).toBe(401);
    expect((await signIn(client.email, "a brand new passphrase")).response.status).toBe(200);
  });

  it("change-password refuses a wrong current password", async () => {
    const client = await signUp();
    const response = await call("/api/auth/change-password", {
      method: "POST",
      headers: credentials(client),
      json: { currentPassword: "not it at all", newPassword: "a brand new passphrase", revokeOtherSessions: true },
    });
    expect(response.status).toBe(400);
    expect(await isLive(client)).toBe(true);
  });
});

describe("cross-site requests", () => {
  it("refuses a cookie-authenticated POST from an untrusted origin", async () => {
    const client = await signUp();
    for (const origin of ["https://evil.example.net", undefined]) {
      const headers: Record<string, string> = { cookie: client.cookie };
      if (origin) headers.origin = origin;
      const response = await call("/api/auth/revoke-sessions", { method: "POST", headers, json: {} });
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ code: expect.stringMatching(/ORIGIN/) });
    }
    expect(await isLive(client)).toBe(true);
  });

  it("accepts a cookie-authenticated POST from a configured trusted origin", async () => {
    const client = await signUp();
    const response = await call("/api/auth/sign-out", {
      method: "POST",
      headers: { cookie: client.cookie, origin: "https://app.example.com" },
      json: {},
    });
    expect(response.status).toBe(200);
    expect(await isLive(client)).toBe(false);
  });
});
