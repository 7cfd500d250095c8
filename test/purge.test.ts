import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { createDb } from "../src/db/client";
import { purgeExpired } from "../src/housekeeping/purge";
import worker from "../src/index";
import { SESSIONS_NOT_BEFORE, signOutSessionsBefore } from "../src/sessions/liveness";
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
