import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AuthService } from "../src/rpc/auth-service";
import { callIn, countingD1, oneWritePerKeyPerSecond, PASSWORD, rawToken, sessionCookie, sessionRow, uniqueEmail } from "./helpers";

const DAY = 86_400_000;

afterEach(() => {
  vi.useRealTimers();
});

/** An isolate whose sessions live at most three days from sign-in (expiring after 7 idle days, renewed after 1). */
function shortLived(overrides: Partial<Record<keyof Env, string>> = {}): Env {
  return { ...env, SESSION_MAX_AGE: String(3 * 86_400), ...overrides } as Env;
}

async function signUpIn(isolate: Env) {
  const email = uniqueEmail("life");
  const response = await callIn(isolate, "/api/auth/sign-up/email", { method: "POST", json: { email, password: PASSWORD, name: "L" } });
  expect(response.status).toBe(200);
  return { email, cookie: sessionCookie(response) ?? "", bearer: response.headers.get("set-auth-token") ?? "" };
}

describe("the absolute lifetime (SESSION_MAX_AGE)", () => {
  it("ends a session in use at its sign-in plus SESSION_MAX_AGE, for cookie, bearer, RPC and JWT, renewals notwithstanding", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    // Idle sessions expire after 2 days, renewed after 1 day of use; every session ends 3 days after sign-in.
    const isolate = shortLived({ SESSION_EXPIRES_IN: String(2 * 86_400) });
    const client = await signUpIn(isolate);
    const row = await sessionRow(rawToken(client.bearer));
    const end = row!.created_at + 3 * DAY;
    expect(row!.expires_at).toBe(row!.created_at + 2 * DAY);

    // Used after a day and a half: the renewal would push the expiry to 3.5 days, and stops at the end.
    vi.setSystemTime(row!.created_at + 1.5 * DAY);
    expect((await callIn(isolate, "/api/me", { headers: { cookie: client.cookie } })).status).toBe(200);
    expect((await sessionRow(rawToken(client.bearer)))!.expires_at).toBe(end);
    // Used again the next day: nothing left to renew, and it still works.
    vi.setSystemTime(row!.created_at + 2.5 * DAY);
    expect((await callIn(isolate, "/api/me", { headers: { cookie: client.cookie } })).status).toBe(200);
    expect((await sessionRow(rawToken(client.bearer)))!.expires_at).toBe(end);

    // A minute before the end it still works everywhere...
    vi.setSystemTime(end - 60_000);
    expect((await callIn(isolate, "/api/me", { headers: { authorization: `Bearer ${client.bearer}` } })).status).toBe(200);
    // ...and at the end it is over.
    vi.setSystemTime(end + 1_000);
    expect((await callIn(isolate, "/api/me", { headers: { authorization: `Bearer ${client.bearer}` } })).status).toBe(401);
    expect((await callIn(isolate, "/api/me", { headers: { cookie: client.cookie } })).status).toBe(401);
    expect((await callIn(isolate, "/api/auth/token", { headers: { authorization: `Bearer ${client.bearer}` } })).status).toBe(401);
    const rpc = new AuthService(createExecutionContext(), isolate);
    expect(await rpc.validateToken(client.bearer)).toBeNull();
    expect(await rpc.validateToken(client.bearer, { fresh: true })).toBeNull();
  });

  it("is refused on the warm path from the copy's creation time alone, without a D1 read", async () => {
    // A session made before SESSION_MAX_AGE was lowered to a day: its expiry (7 days) lies past its new end.
    const client = await signUpIn({ ...env } as Env);
    const { db, counter } = countingD1();
    const counted = { ...shortLived({ SESSION_MAX_AGE: "86400", SESSION_REVALIDATE_SECONDS: String(2 * 86_400) }), DB: db };
    expect((await callIn(counted, "/api/me", { headers: { cookie: client.cookie } })).status).toBe(200);
    counter.queries = 0;
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + DAY + 1_000 });
    expect((await callIn(counted, "/api/me", { headers: { cookie: client.cookie } })).status).toBe(401);
    expect(counter.queries).toBe(0);
  });

  it("caps a new session's expiry when SESSION_MAX_AGE is shorter than SESSION_EXPIRES_IN", async () => {
    const isolate = shortLived({ SESSION_MAX_AGE: "3600" });
    const client = await signUpIn(isolate);
    const row = await sessionRow(rawToken(client.bearer));
    expect(row!.expires_at).toBe(row!.created_at + 3_600_000);
  });
});

describe("sessions per user (SESSION_MAX_PER_USER)", () => {
  it("a sign-in beyond the cap ends the least recently used sessions, which then answer 401", async () => {
    const isolate = { ...env, SESSION_MAX_PER_USER: "3" } as Env;
    const first = await signUpIn(isolate);
    const signInAgain = async () => {
      const response = await callIn(isolate, "/api/auth/sign-in/email", {
        method: "POST",
        json: { email: first.email, password: PASSWORD },
      });
      expect(response.status).toBe(200);
      return response.headers.get("set-auth-token") ?? "";
    };
    const second = await signInAgain();
    const third = await signInAgain();
    // The first session was used since (a renewal moved its updatedAt): the second is now the least recently used.
    await env.DB.prepare("UPDATE session SET updated_at = ? WHERE token = ?")
      .bind(Date.now() + 1_000, rawToken(first.bearer))
      .run();
    const fourth = await signInAgain();

    const alive = async (bearer: string) => (await callIn(isolate, "/api/me", { headers: { authorization: `Bearer ${bearer}` } })).status;
    expect(await alive(second)).toBe(401);
    expect(await sessionRow(rawToken(second))).toBeNull();
    for (const bearer of [first.bearer, third, fourth]) expect(await alive(bearer)).toBe(200);
    const count = await env.DB.prepare("SELECT count(*) AS n FROM session s JOIN user u ON u.id = s.user_id WHERE u.email = ?")
      .bind(first.email)
      .first<{ n: number }>();
    expect(count?.n).toBe(3);
  });
});

describe("the cap under KV's one write per key per second", () => {
  it("a sign-in that ends a session still answers 200, though it writes the user's session list twice", async () => {
    const { kv, counter } = oneWritePerKeyPerSecond();
    const isolate = { ...env, SESSION_KV: kv, SESSION_MAX_PER_USER: "1" } as Env;
    const first = await signUpIn(isolate);
    // A second apart from the sign-up's writes, as a person signs in again.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const response = await callIn(isolate, "/api/auth/sign-in/email", { method: "POST", json: { email: first.email, password: PASSWORD } });
    expect(response.status).toBe(200);
    // KV refused the second write of the list, and the write went through on the retry.
    expect(counter.refused).toBeGreaterThan(0);
    expect((await callIn(isolate, "/api/me", { headers: { authorization: `Bearer ${first.bearer}` } })).status).toBe(401);
    const bearer = response.headers.get("set-auth-token") ?? "";
    expect((await callIn(isolate, "/api/me", { headers: { authorization: `Bearer ${bearer}` } })).status).toBe(200);
  }, 20_000);
});

describe("a tombstoned session (deletedAt set by an operator)", () => {
  async function tombstoned(isolate: Env) {
    const client = await signUpIn(isolate);
    expect((await callIn(isolate, "/api/me", { headers: { cookie: client.cookie } })).status).toBe(200);
    await env.DB.prepare("UPDATE session SET deleted_at = ? WHERE token = ?").bind(Date.now(), rawToken(client.bearer)).run();
    return client;
  }

  it("is refused at once by the D1 check, by everything that acts on a session, and by fresh RPC checks", async () => {
    const isolate = { ...env } as Env;
    const client = await tombstoned(isolate);
    const bearer = { authorization: `Bearer ${client.bearer}` };
    expect((await callIn({ ...env, SESSION_REVALIDATE_SECONDS: "0" } as Env, "/api/me", { headers: bearer })).status).toBe(401);
    expect((await callIn(isolate, "/api/auth/list-sessions", { headers: bearer })).status).toBe(401);
    expect((await callIn(isolate, "/api/auth/token", { headers: bearer })).status).toBe(401);
    expect(await new AuthService(createExecutionContext(), isolate).validateToken(client.bearer, { fresh: true })).toBeNull();
    // Better Auth's own read of the row (its KV copy gone) finds nothing either.
    await env.SESSION_KV.delete(`ba:v1:${rawToken(client.bearer)}`);
    expect((await callIn({ ...env } as Env, "/api/auth/get-session", { headers: bearer })).status).toBe(200);
    expect(await (await callIn({ ...env } as Env, "/api/auth/get-session", { headers: bearer })).json()).toBeNull();
  });

  it("is refused on the warm path within the revocation bound, without a D1 read until then", async () => {
    const { db, counter } = countingD1();
    const isolate = { ...env, DB: db } as Env;
    const client = await tombstoned(isolate);
    counter.queries = 0;
    // Within the bound the isolate trusts its confirmed copy: no D1 read.
    expect((await callIn(isolate, "/api/me", { headers: { cookie: client.cookie } })).status).toBe(200);
    expect(counter.queries).toBe(0);
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + (Number(env.SESSION_REVALIDATE_SECONDS) + 1) * 1000 });
    expect((await callIn(isolate, "/api/me", { headers: { cookie: client.cookie } })).status).toBe(401);
  });
});
