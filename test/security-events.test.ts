import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { SecurityEventsPage } from "../client/contract";
import { eventsWhen } from "./activity-helpers";
import { type Client, call, callIn, latestMail, PASSWORD, signIn, signUp, uniqueEmail, wrapBinding } from "./helpers";

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function page(token: string, query = "", isolate?: Env) {
  const path = `/api/auth/security-events${query}`;
  const response = isolate ? await callIn(isolate, path, { headers: bearer(token) }) : await call(path, { headers: bearer(token) });
  return { status: response.status, body: (await response.json()) as SecurityEventsPage & { code?: string } };
}

/** A user with `signIns` sign-ins after the sign-up, once their events are all written. */
async function userWithEvents(signIns: number): Promise<Client> {
  const client = await signUp();
  for (let i = 0; i < signIns; i++) await signIn(client.email);
  await eventsWhen(client.userId, (rows) => rows.length === signIns + 1);
  return client;
}

describe("GET /api/auth/security-events", () => {
  it("answers the user's own events, newest first, a page at a time", async () => {
    const client = await userWithEvents(4);
    const seen: string[] = [];
    let cursor = "";
    const sizes: number[] = [];
    for (let pages = 0; pages < 5; pages++) {
      const { status, body } = await page(client.bearer, `?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(status).toBe(200);
      sizes.push(body.events.length);
      seen.push(...body.events.map((event) => event.id));
      const times = body.events.map((event) => new Date(event.at).getTime());
      expect(times).toEqual([...times].sort((a, b) => b - a));
      if (!body.nextCursor) break;
      cursor = body.nextCursor;
    }
    expect(sizes).toEqual([2, 2, 1]);
    expect(new Set(seen).size).toBe(5);
    const all = await page(client.bearer);
    expect(all.body.events.map((event) => event.id)).toEqual(seen);
    expect(all.body.events.at(-1)).toMatchObject({ type: "sign-up", count: 1 });
    expect(all.body.nextCursor).toBeNull();
  });

  it("never answers another user's events to a user", async () => {
    const alice = await userWithEvents(0);
    const mallory = await userWithEvents(0);
    const { status, body } = await page(mallory.bearer, `?userId=${alice.userId}`);
    expect(status).toBe(403);
    expect(body.code).toBe("ADMIN_ONLY");
    expect((await page(mallory.bearer, `?userId=${mallory.userId}`)).status).toBe(200);
  });

  it("answers any user's events to an admin", async () => {
    const admin = await signUp({ email: uniqueEmail("admin") });
    const link = await latestMail(admin.email, "verify-email");
    await call(`/api/auth/verify-email?token=${encodeURIComponent(link.token)}`);
    const target = await userWithEvents(1);
    const isolate = { ...env, ADMIN_EMAILS: admin.email };
    const { status, body } = await page(admin.bearer, `?userId=${target.userId}`, isolate);
    expect(status).toBe(200);
    expect(body.events.map((event) => event.type)).toEqual(["sign-in", "sign-up"]);
    // The same admin, once ADMIN_EMAILS no longer names them, is refused.
    expect((await page(admin.bearer, `?userId=${target.userId}`)).status).toBe(403);
  });

  it("refuses a request without a session, a cursor it did not give, and a limit out of range", async () => {
    const client = await userWithEvents(0);
    expect((await call("/api/auth/security-events")).status).toBe(401);
    for (const query of ["?cursor=bm90LWEtY3Vyc29y", "?cursor=WzEsMiwzXQ", "?limit=0", "?limit=101", "?limit=ten"]) {
      const { status, body } = await page(client.bearer, query);
      expect([status, body.code]).toEqual([400, "VALIDATION_ERROR"]);
    }
    expect((await call("/api/auth/security-events", { method: "POST", headers: bearer(client.bearer), json: {} })).status).toBe(405);
    expect((await signIn(client.email, PASSWORD)).response.status).toBe(200);
  });
});

describe("security events from D1 replicas", () => {
  /** D1 that records where each of its Sessions API sessions starts. */
  function recordingSessions() {
    const starts: (string | undefined)[] = [];
    const DB = wrapBinding(env.DB, {
      withSession: ((from?: string) => {
        starts.push(from);
        return env.DB.withSession(from);
      }) as D1Database["withSession"],
    });
    return { isolate: { ...env, DB }, starts };
  }

  /** A cursor as the endpoint makes them, with `bookmark`. */
  const cursorWith = (cursor: string, bookmark: string) => {
    const [at, id] = JSON.parse(atob(cursor.replaceAll("-", "+").replaceAll("_", "/"))) as [number, string];
    return btoa(JSON.stringify([at, id, bookmark]))
      .replaceAll("+", "-")
      .replaceAll("/", "_")
      .replace(/=+$/, "");
  };

  it("reads a first page from any replica, and the next from the bookmark of the one before", async () => {
    const client = await userWithEvents(2);
    const { isolate, starts } = recordingSessions();
    const first = await page(client.bearer, "?limit=2", isolate);
    expect(first.status).toBe(200);
    const second = await page(client.bearer, `?limit=2&cursor=${first.body.nextCursor}`, isolate);
    expect(second.status).toBe(200);
    expect(second.body.events).toHaveLength(1);
    expect(starts[0]).toBe("first-unconstrained");
    expect(starts[1]).toMatch(/^[0-9A-Za-z-]+$/);
    expect(starts[1]).not.toBe("first-unconstrained");
  });

  it("reads from the primary when D1 will not start from a cursor's bookmark, and refuses one it never gave", async () => {
    const client = await userWithEvents(2);
    const { body } = await page(client.bearer, "?limit=2");
    const DB = wrapBinding(env.DB, {
      withSession: ((from?: string) => {
        if (from === "0000-unknown") throw new Error("D1_ERROR: invalid bookmark");
        return env.DB.withSession(from);
      }) as D1Database["withSession"],
    });
    const stale = await page(client.bearer, `?limit=2&cursor=${cursorWith(body.nextCursor ?? "", "0000-unknown")}`, { ...env, DB });
    expect(stale.status).toBe(200);
    expect(stale.body.events).toHaveLength(1);
    const forged = await page(client.bearer, `?limit=2&cursor=${cursorWith(body.nextCursor ?? "", "<script>")}`);
    expect([forged.status, forged.body.code]).toEqual([400, "VALIDATION_ERROR"]);
  });
});
