import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { getRuntime } from "../src/runtime";
import { kvSecondaryStorage } from "../src/sessions/kv-storage";
import { lookupSession } from "../src/sessions/lookup";
import { SessionTrust } from "../src/sessions/trust";
import { callIn, countingD1, editCachedSession, kvHasSession, rawToken, sessionRow, signUp, wrapBinding } from "./helpers";

afterEach(() => {
  vi.useRealTimers();
});

/** A KV namespace in memory whose writes and deletions land only when released. */
function gatedKv() {
  const data = new Map<string, { value: string; metadata: unknown }>();
  let gate: Promise<void> | null = null;
  let open = () => {};
  const landed = async () => {
    if (gate) await gate;
  };
  const kv = {
    async getWithMetadata(key: string) {
      return data.get(key) ?? { value: null, metadata: null };
    },
    async put(key: string, value: string, options?: { metadata?: unknown }) {
      await landed();
      data.set(key, { value, metadata: options?.metadata ?? null });
    },
    async delete(key: string) {
      await landed();
      data.delete(key);
    },
  };
  return {
    kv: kv as unknown as KVNamespace,
    hold() {
      gate = new Promise((resolve) => (open = resolve));
    },
    release() {
      gate = null;
      open();
    },
  };
}

/** KV that counts the reads made on it. */
function countingKv() {
  const counter = { reads: 0 };
  const kv = wrapBinding(env.SESSION_KV, {
    get: ((...args: Parameters<KVNamespace["get"]>) => {
      counter.reads += 1;
      return env.SESSION_KV.get(...args);
    }) as KVNamespace["get"],
    getWithMetadata: ((...args: Parameters<KVNamespace["getWithMetadata"]>) => {
      counter.reads += 1;
      return env.SESSION_KV.getWithMetadata(...args);
    }) as KVNamespace["getWithMetadata"],
  });
  return { kv, counter };
}

describe("the warm session check", () => {
  it("issues no D1 query for a cookie or a bearer token, on /api/me and get-session", async () => {
    const client = await signUp();
    const { db, counter } = countingD1();
    const isolate = { ...env, DB: db };
    const checks: [string, Record<string, string>][] = [
      ["/api/me", { cookie: client.cookie }],
      ["/api/me", { authorization: `Bearer ${client.bearer}` }],
      ["/api/auth/get-session", { authorization: `Bearer ${client.bearer}` }],
      ["/api/auth/session", { cookie: client.cookie }],
    ];
    // The first check in an isolate confirms the cached copy once.
    expect((await callIn(isolate, "/api/me", { headers: { cookie: client.cookie } })).status).toBe(200);
    expect(counter.queries).toBe(1);

    counter.queries = 0;
    for (let round = 0; round < 3; round++) {
      for (const [path, headers] of checks) {
        const response = await callIn(isolate, path, { headers });
        expect(response.status).toBe(200);
        expect(((await response.json()) as { user: { id: string } }).user.id).toBe(client.userId);
      }
    }
    expect(counter.queries).toBe(0);
  });

  it("still refuses a session signed out in this isolate at once, and an expired one when it expires", async () => {
    const client = await signUp();
    const isolate = { ...env };
    const bearer = { authorization: `Bearer ${client.bearer}` };
    expect((await callIn(isolate, "/api/me", { headers: bearer })).status).toBe(200);

    // Signed out in this isolate: refused at once, though the isolate had just checked it.
    await callIn(isolate, "/api/auth/sign-out", { method: "POST", headers: bearer, json: {} });
    expect((await callIn(isolate, "/api/me", { headers: bearer })).status).toBe(401);

    // Expired: the expiry of the copy the isolate remembers is checked on every request.
    // (Renewal is set to start only at expiry, so the session is not extended first.)
    const other = await signUp();
    const token = rawToken(other.bearer);
    const otherBearer = { authorization: `Bearer ${other.bearer}` };
    const shortLived = { ...env, SESSION_EXPIRES_IN: "60", SESSION_UPDATE_AGE: "60" };
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const expiresAt = Date.now() + 5_000;
    await editCachedSession(token, (copy) => {
      copy.session.expiresAt = new Date(expiresAt).toISOString();
    });
    await env.DB.prepare("UPDATE session SET expires_at = ? WHERE token = ?").bind(expiresAt, token).run();
    expect((await callIn(shortLived, "/api/me", { headers: otherBearer })).status).toBe(200);
    vi.setSystemTime(expiresAt - 1);
    expect((await callIn(shortLived, "/api/me", { headers: otherBearer })).status).toBe(200);
    vi.setSystemTime(expiresAt + 1);
    expect((await callIn(shortLived, "/api/me", { headers: otherBearer })).status).toBe(401);
    expect(await sessionRow(token)).toBeNull();
  });
});

describe("the isolate's memory of a session", () => {
  const MEMORY_SECONDS = Number(env.SESSION_MEMORY_SECONDS);

  it("reads KV once per SESSION_MEMORY_SECONDS for a session checked again and again", async () => {
    const client = await signUp();
    const { kv, counter } = countingKv();
    const isolate = { ...env, SESSION_KV: kv };
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const start = Date.now();
    for (let i = 0; i < 5; i++) {
      expect((await callIn(isolate, "/api/me", { headers: { cookie: client.cookie } })).status).toBe(200);
      expect((await callIn(isolate, "/api/me", { headers: { authorization: `Bearer ${client.bearer}` } })).status).toBe(200);
    }
    expect(counter.reads).toBe(1);

    vi.setSystemTime(start + MEMORY_SECONDS * 1000 - 1);
    expect((await callIn(isolate, "/api/auth/get-session", { headers: { cookie: client.cookie } })).status).toBe(200);
    expect(counter.reads).toBe(1);
    vi.setSystemTime(start + MEMORY_SECONDS * 1000);
    expect((await callIn(isolate, "/api/auth/get-session", { headers: { cookie: client.cookie } })).status).toBe(200);
    expect(counter.reads).toBe(2);
  });

  it("lets another isolate at the same location see a sign-out within SESSION_MEMORY_SECONDS", async () => {
    const client = await signUp();
    const bearer = { authorization: `Bearer ${client.bearer}` };
    const here = { ...env };
    const neighbour = { ...env };
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const start = Date.now();
    expect((await callIn(neighbour, "/api/me", { headers: bearer })).status).toBe(200);

    expect((await callIn(here, "/api/auth/sign-out", { method: "POST", headers: bearer, json: {} })).status).toBe(200);
    expect((await callIn(here, "/api/me", { headers: bearer })).status).toBe(401);
    // The neighbour still answers from the copy it read, for the few seconds it keeps one...
    vi.setSystemTime(start + MEMORY_SECONDS * 1000 - 1);
    expect((await callIn(neighbour, "/api/me", { headers: bearer })).status).toBe(200);
    // ...then reads KV again and finds the session gone.
    vi.setSystemTime(start + MEMORY_SECONDS * 1000);
    expect((await callIn(neighbour, "/api/me", { headers: bearer })).status).toBe(401);
    // A fresh check never uses the memory.
    expect((await lookupSession(getRuntime(here), new Headers(bearer), { fresh: true })).session).toBeNull();
  });

  it("sees a change made in the same isolate at once", async () => {
    const client = await signUp({ name: "Before" });
    const isolate = { ...env };
    const bearer = { authorization: `Bearer ${client.bearer}` };
    const name = async () =>
      ((await (await callIn(isolate, "/api/me", { headers: bearer })).json()) as { user: { name: string } }).user.name;
    expect(await name()).toBe("Before");
    const update = await callIn(isolate, "/api/auth/update-user", { method: "POST", headers: bearer, json: { name: "After" } });
    expect(update.status).toBe(200);
    expect(await name()).toBe("After");
  });

  it("hands each check its own copy: a caller changing it, dates included, changes nothing for the next", async () => {
    const client = await signUp({ name: "Ada" });
    const isolate = { ...env };
    const headers = new Headers({ authorization: `Bearer ${client.bearer}` });
    const first = await lookupSession(getRuntime(isolate), headers);
    const expiresAt = first.session?.expiresAt.getTime();
    if (first.user && first.session) {
      first.user.name = "changed";
      first.session.expiresAt.setTime(0);
    }
    const second = await lookupSession(getRuntime(isolate), headers);
    expect(second.user?.name).toBe("Ada");
    expect(second.session?.expiresAt.getTime()).toBe(expiresAt);
  });

  it("SESSION_MEMORY_SECONDS=0 reads KV on every check", async () => {
    const client = await signUp();
    const { kv, counter } = countingKv();
    const isolate = { ...env, SESSION_KV: kv, SESSION_MEMORY_SECONDS: "0" };
    for (let i = 0; i < 3; i++) {
      expect((await callIn(isolate, "/api/me", { headers: { cookie: client.cookie } })).status).toBe(200);
    }
    expect(counter.reads).toBe(3);
  });

  it("is capped by SESSION_REVALIDATE_SECONDS: the copy is dropped when its confirmation runs out", async () => {
    const client = await signUp();
    const { kv, counter } = countingKv();
    const { db, counter: queries } = countingD1();
    const isolate = { ...env, SESSION_KV: kv, DB: db, SESSION_REVALIDATE_SECONDS: "2", SESSION_MEMORY_SECONDS: "10" };
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const start = Date.now();
    expect((await callIn(isolate, "/api/me", { headers: { cookie: client.cookie } })).status).toBe(200);
    expect([counter.reads, queries.queries]).toEqual([1, 1]);
    vi.setSystemTime(start + 1_999);
    expect((await callIn(isolate, "/api/me", { headers: { cookie: client.cookie } })).status).toBe(200);
    expect([counter.reads, queries.queries]).toEqual([1, 1]);
    vi.setSystemTime(start + 2_000);
    expect((await callIn(isolate, "/api/me", { headers: { cookie: client.cookie } })).status).toBe(200);
    expect([counter.reads, queries.queries]).toEqual([2, 2]);
  });

  it("does not remember a copy read while a deletion or a write here was still on its way to KV", async () => {
    const gated = gatedKv();
    let live = true;
    const storage = kvSecondaryStorage(gated.kv, {
      trust: new SessionTrust({ confirm: async () => live, boundSeconds: 30, memorySeconds: 10 }),
    });
    await storage.set("token", "first", 3600);
    expect(await storage.readSession("token")).toBe("first");

    // A concurrent request reads while the rewrite is under way: it sees the old copy once...
    gated.hold();
    const writing = storage.set("token", "second", 3600);
    expect(await storage.readSession("token")).toBe("first");
    gated.release();
    await writing;
    // ...but that copy is not what the isolate remembers.
    expect(await storage.readSession("token")).toBe("second");

    // The same for a deletion (Better Auth deletes the KV copy before the D1 row).
    gated.hold();
    const deleting = storage.delete("token");
    expect(await storage.readSession("token")).toBe("second");
    gated.release();
    await deleting;
    live = false;
    expect(await storage.readSession("token")).toBeNull();
  });

  it("is not used by Better Auth: a renewal elsewhere cannot write a signed-out session back to KV", async () => {
    const client = await signUp();
    const bearer = { authorization: `Bearer ${client.bearer}` };
    const renewsAfterFiveSeconds = { SESSION_UPDATE_AGE: "5" };
    const here = { ...env, ...renewsAfterFiveSeconds };
    const neighbour = { ...env, ...renewsAfterFiveSeconds };
    const third = { ...env, ...renewsAfterFiveSeconds };
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const start = Date.now();
    expect((await callIn(neighbour, "/api/me", { headers: bearer })).status).toBe(200);
    expect((await callIn(third, "/api/me", { headers: bearer })).status).toBe(200);
    expect((await callIn(here, "/api/auth/sign-out", { method: "POST", headers: bearer, json: {} })).status).toBe(200);

    // Due for renewal while the neighbour still remembers the copy: Better Auth reads KV, not the memory.
    vi.setSystemTime(start + 6_000);
    expect((await callIn(neighbour, "/api/me", { headers: bearer })).status).toBe(401);
    expect(await kvHasSession(rawToken(client.bearer))).toBe(false);
    vi.setSystemTime(start + MEMORY_SECONDS * 1000);
    expect((await callIn(third, "/api/me", { headers: bearer })).status).toBe(401);
  });

  it("does not remember a copy whose read was under way when the session was deleted or rewritten here", async () => {
    let answer!: (live: boolean) => void;
    const trust = new SessionTrust({
      confirm: () => new Promise<boolean>((resolve) => (answer = resolve)),
      boundSeconds: 30,
      memorySeconds: 10,
    });
    const copy = { value: "{}", exp: null };

    // Deleted while D1 was being asked: neither the confirmation nor the copy is kept.
    const read = trust.begin();
    const accepted = trust.accept("token", copy, read, "cached");
    trust.forget("token");
    answer(true);
    expect(await accepted).toBe(true);
    expect(trust.recall("token", "cached")).toBeUndefined();
    const again = trust.accept("token", copy, trust.begin(), "cached");
    answer(false);
    expect(await again).toBe(false);

    // Rewritten while the read was under way: the confirmation is kept, the old copy is not.
    const second = trust.begin();
    const confirmed = trust.accept("other", copy, second, "cached");
    trust.replaced("other");
    answer(true);
    expect(await confirmed).toBe(true);
    expect(trust.recall("other", "cached")).toBeUndefined();
    expect(await trust.accept("other", copy, trust.begin(), "cached"), "cached").toBe(true);
    expect(trust.recall("other", "cached")).toMatchObject(copy);

    // Past the 10,000 changes it tracks, a read older than the oldest one dropped is not remembered either.
    const old = trust.begin();
    trust.replaced("late");
    for (let i = 0; i < 10_000; i++) trust.replaced(`filler-${i}`);
    const late = trust.accept("late", copy, old, "cached");
    answer(true);
    expect(await late).toBe(true);
    expect(trust.recall("late", "cached")).toBeUndefined();
  });
});

describe("the fast path", () => {
  it("answers exactly what Better Auth's getSession answers", async () => {
    const client = await signUp();
    for (const headers of [new Headers({ cookie: client.cookie }), new Headers({ authorization: `Bearer ${client.bearer}` })]) {
      const fast = await lookupSession(getRuntime(env), headers);
      const reference = await getRuntime(env).auth.api.getSession({ headers, query: { disableRefresh: true } });
      const { token: _token, ...session } = reference!.session;
      expect(fast.user).toEqual(reference!.user);
      expect(fast.session).toEqual(session);
    }
  });

  it("takes a URL-encoded bearer token, and falls back to the cookie when the bearer token is bad", async () => {
    const client = await signUp();
    const encoded = await callIn(env, "/api/me", { headers: { authorization: `Bearer ${encodeURIComponent(client.bearer)}` } });
    expect(encoded.status).toBe(200);
    const fallback = await callIn(env, "/api/me", { headers: { authorization: "Bearer not.valid", cookie: client.cookie } });
    expect(fallback.status).toBe(200);
  });
});
