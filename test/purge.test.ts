import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { createDb } from "../src/db/client";
import { purgeExpired } from "../src/housekeeping/purge";
import worker from "../src/index";
import { SESSIONS_NOT_BEFORE, signOutSessionsBefore } from "../src/sessions/liveness";
import { eventRows } from "./activity-helpers";
import { call, getSession, kvHasSession, rawToken, sessionRow, signIn, signUp } from "./helpers";

async function expire(token: string) {
  await env.DB.prepare("UPDATE session SET expires_at = ? WHERE token = ?")
    .bind(Date.now() - 60_000, token)
    .run();
}

async function runCron() {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "17 * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe("cron purge", () => {
  afterEach(async () => {
    await env.DB.prepare("DELETE FROM auth_setting WHERE name = ?").bind(SESSIONS_NOT_BEFORE).run();
  });

  it("deletes expired sessions and their KV copies, and keeps live ones", async () => {
    const client = await signUp();
    const expired = await signIn(client.email);
    const tombstoned = await signIn(client.email);
    await expire(rawToken(expired.bearer));
    await env.DB.prepare("UPDATE session SET deleted_at = ? WHERE token = ?").bind(Date.now(), rawToken(tombstoned.bearer)).run();

    await runCron();

    for (const gone of [expired, tombstoned]) {
      expect(await sessionRow(rawToken(gone.bearer))).toBeNull();
      expect(await kvHasSession(rawToken(gone.bearer))).toBe(false);
    }
    expect(await sessionRow(rawToken(client.bearer))).not.toBeNull();
    expect((await getSession({ bearer: client.bearer })).body?.user.id).toBe(client.userId);
  });

  it("deletes the sessions 'sign everyone out' ended, with their KV copies, and keeps newer ones", async () => {
    const client = await signUp();
    const older = await signIn(client.email);
    await signOutSessionsBefore(createDb(env.DB), Date.now());
    const newer = await signIn(client.email);

    await runCron();

    for (const gone of [client, older]) {
      expect(await sessionRow(rawToken(gone.bearer))).toBeNull();
      expect(await kvHasSession(rawToken(gone.bearer))).toBe(false);
    }
    expect(await sessionRow(rawToken(newer.bearer))).not.toBeNull();
    expect(await kvHasSession(rawToken(newer.bearer))).toBe(true);
  });

  it("deletes expired verification rows and keeps pending ones", async () => {
    const client = await signUp();
    await call("/api/auth/request-password-reset", { method: "POST", json: { email: client.email } });
    await env.DB.prepare("INSERT INTO verification (id, identifier, value, expires_at) VALUES (?, ?, ?, ?)")
      .bind(`old-${crypto.randomUUID()}`, "reset-password:old", client.userId, Date.now() - 1_000)
      .run();
    const before = await env.DB.prepare("SELECT count(*) AS n FROM verification WHERE expires_at > ?")
      .bind(Date.now())
      .first<{ n: number }>();

    await runCron();

    const expiredLeft = await env.DB.prepare("SELECT count(*) AS n FROM verification WHERE expires_at <= ?")
      .bind(Date.now())
      .first<{ n: number }>();
    const pendingLeft = await env.DB.prepare("SELECT count(*) AS n FROM verification WHERE expires_at > ?")
      .bind(Date.now())
      .first<{ n: number }>();
    expect(expiredLeft?.n).toBe(0);
    expect(pendingLeft?.n).toBe(before?.n);
    expect(pendingLeft?.n).toBeGreaterThan(0);
  });

  it("works through more rows than one batch", async () => {
    const client = await signUp();
    const now = Date.now();
    await insertExpiredSessions(client.userId, 250, now);
    const result = await purgeExpired(env, now);
    expect(result.sessions).toBeGreaterThanOrEqual(250);
    const left = await env.DB.prepare("SELECT count(*) AS n FROM session WHERE expires_at < ?").bind(now).first<{ n: number }>();
    expect(left?.n).toBe(0);
  });

  it("stays within KV's per-invocation budget and leaves the rest for the next run", async () => {
    const client = await signUp();
    const now = Date.now();
    await insertExpiredSessions(client.userId, 1_000, now);
    const first = await purgeExpired(env, now);
    expect(first.sessions).toBe(900);
    const second = await purgeExpired(env, now);
    expect(second.sessions).toBe(100);
  });
});

describe("the purge and the security events", () => {
  afterEach(async () => {
    await env.DB.prepare("DELETE FROM auth_setting WHERE name = ?").bind(SESSIONS_NOT_BEFORE).run();
  });

  const DAY = 86_400_000;
  const MAX_AGE_MS = Number(env.SESSION_MAX_AGE) * 1000;

  it("records why each session it removes ended, when it ended", async () => {
    const client = await signUp();
    const [lifetime, idle, tombstoned] = [await signIn(client.email), await signIn(client.email), await signIn(client.email)];
    const now = Date.now();
    const born = now - MAX_AGE_MS - DAY;
    // Ran to its absolute lifetime (renewal capped its expiry there), went idle, retired by an operator.
    await env.DB.prepare("UPDATE session SET created_at = ?, expires_at = ? WHERE token = ?")
      .bind(born, born + MAX_AGE_MS, rawToken(lifetime.bearer))
      .run();
    await env.DB.prepare("UPDATE session SET expires_at = ? WHERE token = ?")
      .bind(now - DAY, rawToken(idle.bearer))
      .run();
    await env.DB.prepare("UPDATE session SET deleted_at = ? WHERE token = ?")
      .bind(now - 1_000, rawToken(tombstoned.bearer))
      .run();
    const ids = await Promise.all([lifetime, idle, tombstoned].map(async (c) => (await sessionRow(rawToken(c.bearer)))?.id));

    await purgeExpired(env, now);
    await purgeExpired(env, now);

    const ended = (await eventRows(client.userId)).filter((row) => row.type === "session-revoked");
    const by = Object.fromEntries(ended.map((row) => [row.session_id, [JSON.parse(row.detail ?? "{}").by, row.created_at]]));
    expect(ended).toHaveLength(3);
    expect(by[ids[0] ?? ""]).toEqual(["lifetime", born + MAX_AGE_MS]);
    expect(by[ids[1] ?? ""]).toEqual(["inactivity", now - DAY]);
    expect(by[ids[2] ?? ""]).toEqual(["operator", now - 1_000]);
  });

  it("records the sessions 'sign everyone out' ended as ended by an admin", async () => {
    const client = await signUp();
    const notBefore = await signOutSessionsBefore(createDb(env.DB), Date.now());
    await purgeExpired(env);
    const [ended] = (await eventRows(client.userId)).filter((row) => row.type === "session-revoked");
    expect([JSON.parse(ended?.detail ?? "{}").by, ended?.created_at]).toEqual(["admin", notBefore]);
  });

  it("deletes events older than AUTH_EVENT_RETENTION_DAYS and keeps the rest", async () => {
    const client = await signUp();
    const now = Date.now();
    const insert = env.DB.prepare("INSERT INTO auth_event (id, user_id, type, created_at, updated_at) VALUES (?, ?, 'sign-in', ?, ?)");
    await env.DB.batch([
      insert.bind(`old-${client.userId}`, client.userId, now - 91 * DAY, now - 91 * DAY),
      insert.bind(`kept-${client.userId}`, client.userId, now - 89 * DAY, now - 89 * DAY),
      insert.bind(`older-than-a-week-${client.userId}`, client.userId, now - 8 * DAY, now - 8 * DAY),
    ]);
    const result = await purgeExpired(env, now);
    expect(result.events).toBeGreaterThanOrEqual(1);
    const ids = async () => (await eventRows(client.userId)).map((row) => row.id);
    expect(await ids()).toEqual(expect.arrayContaining([`kept-${client.userId}`, `older-than-a-week-${client.userId}`]));
    expect(await ids()).not.toContain(`old-${client.userId}`);

    await purgeExpired({ ...env, AUTH_EVENT_RETENTION_DAYS: "7" }, now);
    expect(await ids()).not.toContain(`older-than-a-week-${client.userId}`);
    expect(await ids()).not.toContain(`kept-${client.userId}`);
  });

  it("goes through more old events than one batch, and leaves the rest to the next run", async () => {
    const client = await signUp();
    const old = Date.now() - 100 * DAY;
    for (let start = 0; start < 10_500; start += 500) {
      const values = Array.from(
        { length: 500 },
        (_, i) => `('bulk-${start + i}-${client.userId}', '${client.userId}', 'sign-in', ${old}, ${old})`,
      );
      await env.DB.prepare(`INSERT INTO auth_event (id, user_id, type, created_at, updated_at) VALUES ${values.join(", ")}`).run();
    }
    expect((await purgeExpired(env)).events).toBe(10_000);
    expect((await purgeExpired(env)).events).toBeGreaterThanOrEqual(500);
  }, 60_000);
});

async function insertExpiredSessions(userId: string, count: number, now: number) {
  for (let start = 0; start < count; start += 250) {
    const statements = Array.from({ length: Math.min(250, count - start) }, (_, i) =>
      env.DB.prepare("INSERT INTO session (id, token, expires_at, user_id) VALUES (?, ?, ?, ?)").bind(
        `bulk-${start + i}-${crypto.randomUUID()}`,
        `bulk-token-${start + i}-${crypto.randomUUID()}`,
        now - 1_000,
        userId,
      ),
    );
    await env.DB.batch(statements);
  }
}
