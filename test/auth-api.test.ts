/**
 * The plugin's rules hold for `auth.api.*` called in-process, as they do over
 * HTTP (the other suites) and over RPC: one test per rule.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getRuntime } from "../src/runtime";
import {
  call,
  callIn,
  PASSWORD,
  randomIp,
  rawToken,
  remoteLocationFor,
  sessionRow,
  signIn,
  signUp,
  uniqueEmail,
  wrapBinding,
} from "./helpers";

const api = (environment: Env = env) => getRuntime(environment).auth.api;

/** Headers as an API client (or a server) passes them: a client address, and its bearer token if any. */
function headersOf(bearerToken?: string, extra: Record<string, string> = {}): Headers {
  const headers = new Headers({ "cf-connecting-ip": randomIp(), ...extra });
  if (bearerToken) headers.set("authorization", `Bearer ${bearerToken}`);
  return headers;
}

/** The APIError an `auth.api` call rejects with, as `{ status, code }`. */
async function refusal(call: Promise<unknown>): Promise<{ status: number; code: unknown }> {
  const error = (await call.then(
    () => null,
    (thrown: unknown) => thrown,
  )) as { statusCode?: number; body?: { code?: unknown } } | null;
  if (!error) throw new Error("the call succeeded");
  return { status: error.statusCode ?? 0, code: error.body?.code };
}

describe("auth.api obeys the plugin's rules", () => {
  it("getSession answers without the session token", async () => {
    const client = await signUp();
    const found = await api().getSession({ headers: headersOf(client.bearer) });
    expect(found?.user.id).toBe(client.userId);
    expect(found?.session).not.toHaveProperty("token");
  });

  it("listSessions shows handles, and revokeSession takes a handle or an id but no other user's session", async () => {
    const client = await signUp();
    const second = await signIn(client.email);
    const third = await signIn(client.email);
    const sessions = await api().listSessions({ headers: headersOf(client.bearer) });
    expect(sessions).toHaveLength(3);
    for (const session of sessions) expect(session.token).toBe(`sh_${session.id}`);

    const secondId = (await sessionRow(rawToken(second.bearer)))!.id;
    const thirdId = (await sessionRow(rawToken(third.bearer)))!.id;
    await api().revokeSession({ headers: headersOf(client.bearer), body: { token: `sh_${secondId}` } });
    await api().revokeSession({ headers: headersOf(client.bearer), body: { id: thirdId } });
    expect(await sessionRow(rawToken(second.bearer))).toBeNull();
    expect(await sessionRow(rawToken(third.bearer))).toBeNull();

    const stranger = await signUp();
    const strangerId = (await sessionRow(rawToken(stranger.bearer)))!.id;
    expect(await refusal(api().revokeSession({ headers: headersOf(client.bearer), body: { id: strangerId } }))).toEqual({
      status: 404,
      code: "SESSION_NOT_FOUND",
    });
    expect(await sessionRow(rawToken(stranger.bearer))).not.toBeNull();
  });

  it("deleteUser needs the password", async () => {
    const client = await signUp();
    expect(await refusal(api().deleteUser({ headers: headersOf(client.bearer), body: {} }))).toEqual({
      status: 400,
      code: "PASSWORD_REQUIRED",
    });
    await api().deleteUser({ headers: headersOf(client.bearer), body: { password: PASSWORD } });
    expect(await sessionRow(rawToken(client.bearer))).toBeNull();
  });

  it("signUpEmail clears a half-written sign-up of the same address", async () => {
    const email = uniqueEmail("half");
    // A user row without its password, as D1 leaves it when a sign-up fails halfway, older than a sign-up takes.
    await env.DB.prepare('INSERT INTO "user" (id, name, email, email_verified, created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?)')
      .bind(crypto.randomUUID(), "Half", email, Date.now() - 120_000, Date.now() - 120_000)
      .run();
    const created = await api().signUpEmail({ headers: headersOf(), body: { email, password: PASSWORD, name: "Again" } });
    expect(created.user.email).toBe(email);
  });

  it("signInEmail counts toward the account lockout, from any address", async () => {
    const email = uniqueEmail("locked");
    const strict = { ...env, LOCKOUT_THRESHOLD: "2" };
    for (let i = 0; i < 2; i++) {
      expect(await refusal(api(strict).signInEmail({ headers: headersOf(), body: { email, password: `wrong ${i}` } }))).toEqual({
        status: 401,
        code: "INVALID_EMAIL_OR_PASSWORD",
      });
    }
    expect(await refusal(api(strict).signInEmail({ headers: headersOf(), body: { email, password: "wrong again" } }))).toEqual({
      status: 429,
      code: "TOO_MANY_ATTEMPTS",
    });
  });

  it("counts calls per client address", async () => {
    const strict = { ...env, RATE_LIMIT_CREDENTIALS: "1/60" };
    const headers = headersOf();
    await refusal(api(strict).signInEmail({ headers, body: { email: uniqueEmail(), password: "wrong" } }));
    expect(await refusal(api(strict).signInEmail({ headers, body: { email: uniqueEmail(), password: "wrong" } }))).toEqual({
      status: 429,
      code: "RATE_LIMITED",
    });
  });

  it("counts mail per recipient inbox", async () => {
    const strict = { ...env, RATE_LIMIT_MAIL: "1/900" };
    const email = uniqueEmail("inbox");
    await api(strict).requestPasswordReset({ headers: headersOf(), body: { email } });
    expect(await refusal(api(strict).requestPasswordReset({ headers: headersOf(), body: { email } }))).toEqual({
      status: 429,
      code: "TOO_MANY_EMAILS",
    });
  });

  it("signs in an API client whatever its Sec-Fetch headers, with the signed bearer token; a browser gets none", async () => {
    const client = await signUp();
    const apiClient = await api().signInEmail({
      headers: headersOf(undefined, { "sec-fetch-mode": "cors", "sec-fetch-site": "cross-site" }),
      body: { email: client.email, password: PASSWORD },
    });
    expect(apiClient.token).toMatch(/^[A-Za-z0-9]+\.[A-Za-z0-9+/=]+$/);
    expect((await api().getSession({ headers: headersOf(apiClient.token) }))?.user.id).toBe(client.userId);
    const browser = await api().signInEmail({
      headers: headersOf(undefined, { origin: "https://auth.example.com" }),
      body: { email: client.email, password: PASSWORD },
    });
    expect(browser).not.toHaveProperty("token");
  });

  it("answers with the error table's codes and statuses", async () => {
    const client = await signUp();
    expect(await refusal(api().updateUser({ headers: headersOf(client.bearer), body: {} }))).toEqual({ status: 400, code: "BAD_REQUEST" });
    expect(await refusal(api().verifyEmail({ headers: headersOf(), query: { token: "not-a-token" } }))).toEqual({
      status: 400,
      code: "INVALID_TOKEN",
    });
  });

  it("refuses the endpoints the service does not offer", async () => {
    const client = await signUp();
    expect(await refusal(api().verifyPassword({ headers: headersOf(client.bearer), body: { password: PASSWORD } }))).toEqual({
      status: 404,
      code: "NOT_FOUND",
    });
  });

  it("answers 503 when storage fails, even where Better Auth would carry on", async () => {
    const client = await signUp();
    const brokenKv = wrapBinding(env.SESSION_KV, {
      getWithMetadata: () => Promise.reject(new Error("KV: network connection lost")),
      delete: () => Promise.reject(new Error("KV: network connection lost")),
    });
    expect(await refusal(api({ ...env, SESSION_KV: brokenKv }).signOut({ headers: headersOf(client.bearer) }))).toEqual({
      status: 503,
      code: "SERVICE_UNAVAILABLE",
    });
    expect((await call("/api/me", { headers: { authorization: `Bearer ${client.bearer}` } })).status).toBe(200);
  });

  it("confirms the session in D1 before acting on it, even within the revocation bound", async () => {
    const client = await signUp();
    const bearer = { authorization: `Bearer ${client.bearer}` };
    const remote = await remoteLocationFor(rawToken(client.bearer), client.userId);
    expect((await callIn(remote, "/api/me", { headers: bearer })).status).toBe(200);
    await api().signOut({ headers: headersOf(client.bearer) });
    // The remote location still serves its cached copy, confirmed a moment ago, to session checks...
    expect((await callIn(remote, "/api/me", { headers: bearer })).status).toBe(200);
    // ...but an action through auth.api there finds the session gone.
    expect(await refusal(api(remote).updateUser({ headers: headersOf(client.bearer), body: { name: "Ghost" } }))).toEqual({
      status: 401,
      code: "UNAUTHORIZED",
    });
  });
});
