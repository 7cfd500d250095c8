import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { purgeExpired } from "../src/housekeeping/purge";
import { call, callIn, callWith, getSession, ORIGIN, PASSWORD, signUp } from "./helpers";
import { Jar, passwordStep, post, withTotp } from "./second-factors-helpers";
import { totp } from "./totp";

const STEP = 30_000;

afterEach(() => {
  vi.useRealTimers();
});

/** Moves the clock (Better Auth's and the test's) to `time`. */
function clockAt(time: number) {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(time);
}

describe("the test's RFC 6238 implementation", () => {
  it("gives the RFC's own test vectors (SHA-1)", async () => {
    const secret = "12345678901234567890";
    expect(await totp(secret, 59_000, 8)).toBe("94287082");
    expect(await totp(secret, 1_111_111_109_000, 8)).toBe("07081804");
    expect(await totp(secret, 1_234_567_890_000, 8)).toBe("89005924");
    expect(await totp(secret, 20_000_000_000_000, 8)).toBe("65353130");
  });
});

describe("signing in with a second factor", () => {
  it("answers the right password with a challenge and no session by any route", async () => {
    const user = await withTotp();
    const sessionsBefore = await sessionCount(user.userId);
    const jar = new Jar();
    const answer = await passwordStep(jar, user.email);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ twoFactorRedirect: true, twoFactorMethods: ["totp"] });
    expect(answer.headers.get("set-auth-token")).toBeNull();
    expect(jar.has("session_token")).toBe(false);
    expect(jar.has("two_factor")).toBe(true);
    expect(jar.has("device_token")).toBe(false);
    expect(await sessionCount(user.userId)).toBe(sessionsBefore);
    // Whatever the jar holds is no session: not for get-session, /token, /api/me or RPC.
    expect((await getSession({ cookie: jar.header })).body).toBeNull();
    expect((await call("/api/auth/token", { headers: { cookie: jar.header } })).status).toBe(401);
    expect((await call("/api/me", { headers: { cookie: jar.header } })).status).toBe(401);
    expect(await env.EXAMPLE.fetch("https://example.test/private", { headers: { cookie: jar.header } }).then((r) => r.status)).toBe(401);

    // An API client gets no bearer token either.
    const api = await call("/api/auth/sign-in/email", { method: "POST", json: { email: user.email, password: PASSWORD } });
    expect(api.status).toBe(200);
    expect(api.headers.get("set-auth-token")).toBeNull();
    expect(await api.json()).not.toHaveProperty("token");
  });

  it("creates the session only with a valid code, as an ordinary session", async () => {
    const user = await withTotp();
    const jar = new Jar();
    await passwordStep(jar, user.email);
    const wrong = await post(jar, "/api/auth/two-factor/verify-totp", { code: wrongCode(await totp(user.secret, Date.now())) });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ code: "INVALID_CODE", message: expect.any(String) });
    expect(jar.has("session_token")).toBe(false);

    clockAt(Date.now() + 2 * STEP); // a step the confirmation did not use
    const right = await post(jar, "/api/auth/two-factor/verify-totp", { code: await totp(user.secret, Date.now()) });
    expect(right.status).toBe(200);
    const body = (await right.json()) as Record<string, unknown>;
    expect(body).not.toHaveProperty("token"); // a browser never sees its token
    expect(jar.has("session_token")).toBe(true);
    expect(jar.has("device_token")).toBe(true);
    expect(jar.has("two_factor")).toBe(false);
    const session = await getSession({ cookie: jar.header });
    expect(session.body?.user.email).toBe(user.email);
    // It is in the session list like any other, and revocable.
    const listed = await call("/api/auth/list-sessions", { headers: { cookie: jar.header } });
    expect(((await listed.json()) as { current?: boolean }[]).some((entry) => entry.current)).toBe(true);
  });

  it("at the cap on sessions, a right password without the code ends no session; the sign-in the code finishes does", async () => {
    const user = await withTotp();
    const liveIds = async () =>
      (
        await env.DB.prepare("SELECT id FROM session WHERE user_id = ? AND expires_at > ? ORDER BY updated_at, created_at")
          .bind(user.userId, Date.now())
          .all<{ id: string }>()
      ).results.map((row) => row.id);
    const before = await liveIds();
    // An isolate whose cap the user has reached.
    const capped = { ...env, SESSION_MAX_PER_USER: String(before.length) } as Env;
    const jar = new Jar();
    const browser = () => ({ origin: ORIGIN, ...(jar.cookies.size > 0 ? { cookie: jar.header } : {}) });
    const challenge = jar.take(
      await callIn(capped, "/api/auth/sign-in/email", {
        method: "POST",
        json: { email: user.email, password: PASSWORD },
        headers: browser(),
      }),
    );
    expect(await challenge.json()).toMatchObject({ twoFactorRedirect: true });
    expect(await liveIds()).toEqual(before);

    clockAt(Date.now() + 2 * STEP);
    const code = await totp(user.secret, Date.now());
    const finished = jar.take(
      await callIn(capped, "/api/auth/two-factor/verify-totp", { method: "POST", json: { code }, headers: browser() }),
    );
    expect(finished.status).toBe(200);
    const after = await liveIds();
    // The least recently used session made room for the new one.
    expect(after).toHaveLength(before.length);
    expect(after).not.toContain(before[0]);
  });

  it("refuses a code replayed within its time step, and an earlier step's code after a later one", async () => {
    const user = await withTotp();
    const start = Date.now() + 4 * STEP;
    clockAt(start);
    const code = await totp(user.secret, start);
    const first = new Jar();
    await passwordStep(first, user.email);
    expect((await post(first, "/api/auth/two-factor/verify-totp", { code })).status).toBe(200);

    const second = new Jar();
    await passwordStep(second, user.email);
    const replay = await post(second, "/api/auth/two-factor/verify-totp", { code });
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ code: "INVALID_CODE" });
    // The previous step's code still falls within the drift, but comes before the one used.
    const earlier = await post(second, "/api/auth/two-factor/verify-totp", { code: await totp(user.secret, start - STEP) });
    expect(earlier.status).toBe(401);
    // The next step's code is new.
    clockAt(start + STEP);
    const next = await post(second, "/api/auth/two-factor/verify-totp", { code: await totp(user.secret, start + STEP) });
    expect(next.status).toBe(200);
  });

  it("accepts one step of clock drift either way, and no more", async () => {
    const user = await withTotp();
    const now = Date.now() + 10 * STEP;
    clockAt(now);
    const answers: Record<string, number> = {};
    for (const [label, offset] of [
      ["two behind", -2],
      ["two ahead", 2],
      ["one behind", -1],
      ["one ahead", 1],
    ] as const) {
      const jar = new Jar();
      await passwordStep(jar, user.email);
      // Each accepted step moves the used step forward: try the later ones last.
      answers[label] = (await post(jar, "/api/auth/two-factor/verify-totp", { code: await totp(user.secret, now + offset * STEP) })).status;
    }
    expect(answers).toEqual({ "two behind": 401, "two ahead": 401, "one behind": 200, "one ahead": 200 });
  });

  it("takes each backup code once", async () => {
    const user = await withTotp();
    const [code] = user.backupCodes;
    const jar = new Jar();
    await passwordStep(jar, user.email);
    expect((await post(jar, "/api/auth/two-factor/verify-backup-code", { code })).status).toBe(200);
    expect(jar.has("session_token")).toBe(true);

    const again = new Jar();
    await passwordStep(again, user.email);
    const reused = await post(again, "/api/auth/two-factor/verify-backup-code", { code });
    expect(reused.status).toBe(401);
    expect(await reused.json()).toMatchObject({ code: "INVALID_BACKUP_CODE" });
    expect((await post(again, "/api/auth/two-factor/verify-backup-code", { code: user.backupCodes[1] })).status).toBe(200);
  });

  it("stores the secret and the backup codes sealed, not in plain", async () => {
    const user = await withTotp();
    const row = await env.DB.prepare("SELECT secret, backup_codes FROM two_factor WHERE user_id = ?")
      .bind(user.userId)
      .first<{ secret: string; backup_codes: string }>();
    expect(row?.secret).toMatch(/^\$ba\$0\$[0-9a-f]+$/);
    expect(row?.backup_codes).toMatch(/^\$ba\$0\$[0-9a-f]+$/);
    expect(row?.backup_codes).not.toContain(user.backupCodes[0]);
  });

  it("keeps working through a secret rotation", async () => {
    const user = await withTotp();
    const rotated = { BETTER_AUTH_SECRETS: `1:${"n".repeat(40)},0:${env.BETTER_AUTH_SECRET}` };
    const jar = new Jar();
    jar.take(await callWith(rotated, "/api/auth/sign-in/email", signInInit(jar, user.email)));
    expect(jar.has("two_factor")).toBe(true);
    clockAt(Date.now() + 2 * STEP);
    const verified = jar.take(
      await callWith(rotated, "/api/auth/two-factor/verify-totp", {
        method: "POST",
        json: { code: await totp(user.secret, Date.now()) },
        headers: { origin: "https://auth.example.com", cookie: jar.header },
      }),
    );
    expect(verified.status).toBe(200);
    expect(jar.has("session_token")).toBe(true);
  });
});

describe("a secret rotation", () => {
  it("seals second factors again with the new secret, so dropping the old one locks nobody out", async () => {
    const user = await withTotp();
    const next = "n".repeat(40);
    const sealedWith = async () =>
      (await env.DB.prepare("SELECT secret, backup_codes FROM two_factor WHERE user_id = ?")
        .bind(user.userId)
        .first<{ secret: string; backup_codes: string }>()) ?? null;
    expect((await sealedWith())?.secret).toMatch(/^\$ba\$0\$/);
    const result = await purgeExpired({ ...env, BETTER_AUTH_SECRETS: `1:${next},0:${env.BETTER_AUTH_SECRET}` });
    expect(result.resealed).toBeGreaterThanOrEqual(1);
    expect(await sealedWith()).toEqual({ secret: expect.stringMatching(/^\$ba\$1\$/), backup_codes: expect.stringMatching(/^\$ba\$1\$/) });

    // The old secret gone: the code and the backup codes still work.
    const only = { BETTER_AUTH_SECRETS: `1:${next}` };
    const send = async (jar: Jar, path: string, json: unknown) => {
      const headers = { origin: "https://auth.example.com", ...(jar.cookies.size > 0 ? { cookie: jar.header } : {}) };
      return jar.take(await callWith(only, path, { method: "POST", json, headers }));
    };
    const jar = new Jar();
    await send(jar, "/api/auth/sign-in/email", { email: user.email, password: PASSWORD });
    clockAt(Date.now() + 2 * STEP);
    expect((await send(jar, "/api/auth/two-factor/verify-totp", { code: await totp(user.secret, Date.now()) })).status).toBe(200);
    const other = new Jar();
    await send(other, "/api/auth/sign-in/email", { email: user.email, password: PASSWORD });
    expect((await send(other, "/api/auth/two-factor/verify-backup-code", { code: user.backupCodes[0] })).status).toBe(200);
  });
});

describe("the lockout on a second factor", () => {
  it("counts wrong codes toward the account lockout, across new challenges", async () => {
    const user = await withTotp();
    const right = await totp(user.secret, Date.now() + 2 * STEP);
    // Three wrong codes, a new sign-in with the right password (which must not reset the count), two more.
    for (const wrongs of [3, 2]) {
      const jar = new Jar();
      expect((await passwordStep(jar, user.email)).status).toBe(200);
      for (let i = 0; i < wrongs; i++) {
        expect((await post(jar, "/api/auth/two-factor/verify-totp", { code: wrongCode(right, i) })).status).toBe(401);
      }
    }
    const jar = new Jar();
    const locked = await passwordStep(jar, user.email);
    expect(locked.status).toBe(429);
    expect(await locked.json()).toMatchObject({ code: "TOO_MANY_ATTEMPTS" });
  });

  it("refuses even the right code once the account waits", async () => {
    const user = await withTotp();
    const jar = new Jar();
    await passwordStep(jar, user.email);
    clockAt(Date.now() + 2 * STEP);
    const right = await totp(user.secret, Date.now());
    for (let i = 0; i < 5; i++) await post(jar, "/api/auth/two-factor/verify-totp", { code: wrongCode(right, i) });
    const refused = await post(jar, "/api/auth/two-factor/verify-totp", { code: right });
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ code: "TOO_MANY_ATTEMPTS" });
    expect(jar.has("session_token")).toBe(false);
  });

  it("answers a wrong password the same whether the account has a second factor or not", async () => {
    const plain = await signUp();
    const guarded = await withTotp();
    const answers = [];
    for (const email of [plain.email, guarded.email]) {
      const response = await passwordStep(new Jar(), email, "not the password at all");
      answers.push({ status: response.status, body: await response.json(), cookies: response.headers.getSetCookie().length });
    }
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]?.status).toBe(401);
  });
});

describe("managing the second factor", () => {
  it("turns it on only with the password, and off only with the password", async () => {
    const client = await signUp();
    const bearer = { authorization: `Bearer ${client.bearer}` };
    const noPassword = await call("/api/auth/two-factor/enable", { method: "POST", json: {}, headers: bearer });
    expect(noPassword.status).toBe(400);
    const wrong = await call("/api/auth/two-factor/enable", { method: "POST", json: { password: "not it at all" }, headers: bearer });
    expect(await wrong.json()).toMatchObject({ code: "INVALID_PASSWORD" });

    const user = await withTotp();
    const auth = { authorization: `Bearer ${user.bearer}` };
    const refused = await call("/api/auth/two-factor/disable", { method: "POST", json: { password: "not it at all" }, headers: auth });
    expect(await refused.json()).toMatchObject({ code: "INVALID_PASSWORD" });
    const off = await call("/api/auth/two-factor/disable", { method: "POST", json: { password: PASSWORD }, headers: auth });
    expect(off.status).toBe(200);
    const jar = new Jar();
    expect(await (await passwordStep(jar, user.email)).json()).toHaveProperty("user");
    expect(jar.has("session_token")).toBe(true);
  });

  it("makes new backup codes with the password, and the old ones stop working", async () => {
    const user = await withTotp();
    const auth = { authorization: `Bearer ${user.bearer}` };
    const fresh = await call("/api/auth/two-factor/generate-backup-codes", { method: "POST", json: { password: PASSWORD }, headers: auth });
    expect(fresh.status).toBe(200);
    const { backupCodes } = (await fresh.json()) as { backupCodes: string[] };
    expect(backupCodes).toHaveLength(10);
    const jar = new Jar();
    await passwordStep(jar, user.email);
    expect((await post(jar, "/api/auth/two-factor/verify-backup-code", { code: user.backupCodes[0] })).status).toBe(401);
    expect((await post(jar, "/api/auth/two-factor/verify-backup-code", { code: backupCodes[0] })).status).toBe(200);
  });

  it("records turning it on and off, and the sign-in a code finished", async () => {
    const user = await withTotp();
    const jar = new Jar();
    await passwordStep(jar, user.email);
    await post(jar, "/api/auth/two-factor/verify-backup-code", { code: user.backupCodes[0] });
    await call("/api/auth/two-factor/disable", {
      method: "POST",
      json: { password: PASSWORD },
      headers: { authorization: `Bearer ${user.bearer}` },
    });
    await vi.waitFor(async () => {
      const { results } = await env.DB.prepare("SELECT type FROM auth_event WHERE user_id = ? ORDER BY created_at")
        .bind(user.userId)
        .all<{ type: string }>();
      expect(results.map((row) => row.type)).toEqual(["sign-up", "two-factor-enabled", "sign-in", "two-factor-disabled"]);
    });
  });
});

describe("trusting a device", () => {
  it("spares the code on the device that asked, with its device token, and nowhere else", async () => {
    const user = await withTotp();
    const jar = new Jar();
    await passwordStep(jar, user.email);
    clockAt(Date.now() + 2 * STEP);
    await post(jar, "/api/auth/two-factor/verify-totp", { code: await totp(user.secret, Date.now()), trustDevice: true });
    const trust = [...jar.cookies.keys()].find((name) => name.includes("trust_device"));
    expect(trust).toBeDefined();

    const device = jar.without("session_token");
    const again = await passwordStep(device, user.email);
    expect(await again.json()).toHaveProperty("user");
    expect(device.has("session_token")).toBe(true);

    // The trust cookie without the device token it was given with: the code again.
    const stolen = device.without("session_token").without("device_token");
    expect(await (await passwordStep(stolen, user.email)).json()).toMatchObject({ twoFactorRedirect: true });
  });
});

/** A six-digit code other than `right` (and other than its neighbours' by chance: any mismatch will do). */
function wrongCode(right: string, salt = 0): string {
  return String((Number(right) + 1 + salt * 7919) % 1_000_000).padStart(6, "0");
}

async function sessionCount(userId: string): Promise<number> {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM session WHERE user_id = ?").bind(userId).first<{ n: number }>();
  return row?.n ?? 0;
}

function signInInit(jar: Jar, email: string) {
  const headers: Record<string, string> = { origin: "https://auth.example.com" };
  if (jar.cookies.size > 0) headers.cookie = jar.header;
  return { method: "POST", json: { email, password: PASSWORD }, headers };
}
