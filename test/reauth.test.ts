import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getRuntime } from "../src/runtime";
import {
  ageSession,
  call,
  callIn,
  getSession,
  ORIGIN,
  PASSWORD,
  randomIp,
  rawToken,
  sessionCookie,
  sessionRow,
  signIn,
  signUp,
} from "./helpers";

const MINUTE = 60_000;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A user with a second device, whose first session signed in 20 minutes ago (past REAUTH_MAX_AGE, 15 minutes). */
async function staleUser() {
  const client = await signUp();
  const other = await signIn(client.email);
  await ageSession(rawToken(client.bearer), 20 * MINUTE);
  return { client, other };
}

async function expectReauthRequired(response: Response) {
  expect(response.status).toBe(403);
  expect(await response.json()).toMatchObject({ code: "REAUTHENTICATION_REQUIRED" });
}

describe("re-authentication before ending other sessions", () => {
  it("revoke-other-sessions, revoke-sessions and revoking another session need a recent sign-in", async () => {
    const { client, other } = await staleUser();
    const otherId = (await sessionRow(rawToken(other.bearer)))!.id;
    await expectReauthRequired(await call("/api/auth/revoke-other-sessions", { method: "POST", headers: bearer(client.bearer) }));
    await expectReauthRequired(await call("/api/auth/revoke-sessions", { method: "POST", headers: bearer(client.bearer) }));
    await expectReauthRequired(
      await call("/api/auth/revoke-session", { method: "POST", headers: bearer(client.bearer), json: { token: `sh_${otherId}` } }),
    );
    expect((await getSession({ bearer: other.bearer })).body).not.toBeNull();
  });

  it("a session that signed in within the window ends the others at once", async () => {
    const client = await signUp();
    const other = await signIn(client.email);
    await ageSession(rawToken(client.bearer), 10 * MINUTE);
    expect((await call("/api/auth/revoke-other-sessions", { method: "POST", headers: bearer(client.bearer) })).status).toBe(200);
    expect((await getSession({ bearer: other.bearer })).body).toBeNull();
  });

  it("signing out, and revoking the current session, never need it", async () => {
    const { client } = await staleUser();
    const ownId = (await sessionRow(rawToken(client.bearer)))!.id;
    const revoked = await call("/api/auth/revoke-session", { method: "POST", headers: bearer(client.bearer), json: { id: ownId } });
    expect(revoked.status).toBe(200);
    const second = await staleUser();
    expect((await call("/api/auth/sign-out", { method: "POST", headers: bearer(second.client.bearer) })).status).toBe(200);
  });

  it("holds for auth.api calls too", async () => {
    const { client } = await staleUser();
    const refused = await getRuntime(env)
      .auth.api.revokeOtherSessions({ headers: new Headers({ ...bearer(client.bearer), "cf-connecting-ip": randomIp() }) })
      .catch((error: { statusCode: number; body: { code: string } }) => error);
    expect(refused).toMatchObject({ statusCode: 403, body: { code: "REAUTHENTICATION_REQUIRED" } });
  });
});

describe("POST /api/auth/reauthenticate", () => {
  it("gives an API client a new bearer token, ends the old one, and opens the window", async () => {
    const { client, other } = await staleUser();
    const response = await call("/api/auth/reauthenticate", {
      method: "POST",
      headers: bearer(client.bearer),
      json: { password: PASSWORD },
    });
    expect(response.status).toBe(200);
    const renewed = response.headers.get("set-auth-token") ?? "";
    expect(renewed).toMatch(/\./);
    expect(((await response.json()) as { token: string }).token).toBe(renewed);
    expect((await getSession({ bearer: client.bearer })).body).toBeNull();
    expect((await getSession({ bearer: renewed })).body?.user.id).toBe(client.userId);
    expect((await call("/api/auth/revoke-other-sessions", { method: "POST", headers: bearer(renewed) })).status).toBe(200);
    expect((await getSession({ bearer: other.bearer })).body).toBeNull();
  });

  it("replaces a browser's cookie and hands it no token", async () => {
    const { client } = await staleUser();
    const response = await call("/api/auth/reauthenticate", {
      method: "POST",
      headers: { cookie: client.cookie, origin: ORIGIN },
      json: { password: PASSWORD },
    });
    expect(response.status).toBe(200);
    const cookie = sessionCookie(response);
    expect(cookie).toMatch(/^__Host-better-auth\.session_token=/);
    expect(cookie).not.toBe(client.cookie);
    expect(response.headers.get("set-auth-token")).toBeNull();
    expect(await response.json()).not.toHaveProperty("token");
    expect((await getSession({ cookie: client.cookie })).body).toBeNull();
    expect((await getSession({ cookie })).body?.user.id).toBe(client.userId);
  });

  it("refuses a wrong password, keeps the session, and counts toward the account lockout", async () => {
    const { client } = await staleUser();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await call("/api/auth/reauthenticate", {
        method: "POST",
        ip: randomIp(),
        headers: bearer(client.bearer),
        json: { password: `wrong ${i}` },
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([400, 400, 400, 400, 400, 429]);
    expect((await getSession({ bearer: client.bearer })).body).not.toBeNull();
  });

  it("at the cap on sessions per user, ends no other device", async () => {
    const isolate = { ...env, SESSION_MAX_PER_USER: "2" } as Env;
    const client = await signUp();
    const other = await signIn(client.email);
    // The other device is the least recently used of the two.
    await env.DB.prepare("UPDATE session SET updated_at = updated_at - 60000 WHERE token = ?").bind(rawToken(other.bearer)).run();
    const response = await callIn(isolate, "/api/auth/reauthenticate", {
      method: "POST",
      headers: bearer(client.bearer),
      json: { password: PASSWORD },
    });
    expect(response.status).toBe(200);
    expect((await getSession({ bearer: other.bearer })).body).not.toBeNull();
  });

  it("needs a session", async () => {
    const response = await call("/api/auth/reauthenticate", { method: "POST", json: { password: PASSWORD } });
    expect(response.status).toBe(401);
  });
});

describe("list-sessions", () => {
  it("marks the caller's own session, and needs no recent sign-in", async () => {
    const { client, other } = await staleUser();
    const response = await call("/api/auth/list-sessions", { headers: bearer(client.bearer) });
    expect(response.status).toBe(200);
    const sessions = (await response.json()) as { id: string; current: boolean }[];
    const ownId = (await sessionRow(rawToken(client.bearer)))!.id;
    const otherId = (await sessionRow(rawToken(other.bearer)))!.id;
    expect(sessions.map(({ id, current }) => ({ id, current })).sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      [
        { id: ownId, current: true },
        { id: otherId, current: false },
      ].sort((a, b) => a.id.localeCompare(b.id)),
    );
  });
});
