import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { StorageUnavailableError } from "../src/errors";
import { AtomicOperationUnsupportedError, KV_PREFIX, kvSecondaryStorage } from "../src/sessions/kv-storage";
import { call, editCachedSession, getSession, kvHasSession, rawToken, sessionRow, signUp, wrapBinding } from "./helpers";

describe("KV secondary storage", () => {
  it("round-trips values under the versioned prefix", async () => {
    const storage = kvSecondaryStorage(env.SESSION_KV);
    const key = `k-${crypto.randomUUID()}`;
    await storage.set(key, "value", 3600);
    expect(await storage.get(key)).toBe("value");
    expect(await env.SESSION_KV.get(KV_PREFIX + key)).not.toBeNull();
    await storage.delete(key);
    expect(await storage.get(key)).toBeNull();
  });

  it("hides a value once its real expiry passes, even though KV keeps it for 60 s", async () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const storage = kvSecondaryStorage(env.SESSION_KV, { now: () => now });
    const key = `short-${crypto.randomUUID()}`;
    await storage.set(key, "brief", 5);
    expect(await storage.get(key)).toBe("brief");
    now += 5_000;
    expect(await storage.get(key)).toBeNull();
    // KV itself still holds the key: the expiry in its metadata is what ends it.
    expect(await env.SESSION_KV.get(KV_PREFIX + key)).not.toBeNull();
  });

  it("clamps TTLs below KV's 60 s minimum instead of failing the write", async () => {
    const storage = kvSecondaryStorage(env.SESSION_KV);
    const key = `tiny-${crypto.randomUUID()}`;
    const before = Math.floor(Date.now() / 1000);
    await expect(storage.set(key, "v", 1)).resolves.toBeUndefined();
    const { keys } = await env.SESSION_KV.list({ prefix: KV_PREFIX + key });
    expect(keys[0]?.expiration).toBeGreaterThanOrEqual(before + 60);
    expect(keys[0]?.expiration).toBeLessThanOrEqual(before + 62);
  });

  it("treats a zero or negative TTL as a delete", async () => {
    const storage = kvSecondaryStorage(env.SESSION_KV);
    const key = `zero-${crypto.randomUUID()}`;
    await storage.set(key, "v", 3600);
    await storage.set(key, "v", 0);
    expect(await env.SESSION_KV.get(KV_PREFIX + key)).toBeNull();
  });

  it("ignores entries it did not write", async () => {
    const storage = kvSecondaryStorage(env.SESSION_KV);
    const key = `foreign-${crypto.randomUUID()}`;
    await env.SESSION_KV.put(KV_PREFIX + key, "written by someone else");
    expect(await storage.get(key)).toBeNull();
  });

  it("refuses the atomic operations KV cannot provide", () => {
    const storage = kvSecondaryStorage(env.SESSION_KV);
    expect(() => storage.getAndDelete("x")).toThrow(AtomicOperationUnsupportedError);
    expect(() => storage.increment("x", 60)).toThrow(AtomicOperationUnsupportedError);
  });

  it("reports a failing KV as a storage outage", async () => {
    const broken = {
      get: () => Promise.reject(new Error("KV down")),
    } as unknown as KVNamespace;
    await expect(kvSecondaryStorage(broken).get("x")).rejects.toBeInstanceOf(StorageUnavailableError);
  });
});

describe("KV's one write per key per second", () => {
  /** KV whose first `refusals` writes fail with `error`; `attempts` counts every write. */
  function refusingKv(refusals: number, error = "KV PUT failed: 429 Too Many Requests") {
    const counter = { attempts: 0 };
    const kv = wrapBinding(env.SESSION_KV, {
      put: (async (...args: Parameters<KVNamespace["put"]>) => {
        counter.attempts += 1;
        if (counter.attempts <= refusals) throw new Error(error);
        return env.SESSION_KV.put(...args);
      }) as KVNamespace["put"],
    });
    return { kv, counter };
  }

  it("writes again after the limit refused a write", async () => {
    const { kv, counter } = refusingKv(2);
    const storage = kvSecondaryStorage(kv, { retryDelaysMs: [10, 20] });
    const key = `busy-${crypto.randomUUID()}`;
    await storage.set(key, "landed", 3600);
    expect(counter.attempts).toBe(3);
    expect(await storage.get(key)).toBe("landed");
  });

  it("reports an outage once the retries are used up, and never retries other failures", async () => {
    const limited = refusingKv(10);
    await expect(kvSecondaryStorage(limited.kv, { retryDelaysMs: [10, 20] }).set("k", "v", 3600)).rejects.toBeInstanceOf(
      StorageUnavailableError,
    );
    expect(limited.counter.attempts).toBe(3);
    const down = refusingKv(10, "KV PUT failed: 500 Internal Server Error");
    await expect(kvSecondaryStorage(down.kv, { retryDelaysMs: [10, 20] }).set("k", "v", 3600)).rejects.toBeInstanceOf(
      StorageUnavailableError,
    );
    expect(down.counter.attempts).toBe(1);
  });
});

describe("session expiry", () => {
  it("rejects an expired session even while its KV copy lives", async () => {
    const client = await signUp();
    const token = rawToken(client.bearer);
    // Rewrite the KV copy as a clamped TTL leaves it: the key still readable, the session inside expired.
    await editCachedSession(token, (copy, metadata) => {
      copy.session.expiresAt = new Date(Date.now() - 1_000).toISOString();
      metadata.exp = Date.now() + 3_600_000;
    });
    await env.DB.prepare("UPDATE session SET expires_at = ? WHERE token = ?")
      .bind(Date.now() - 1_000, token)
      .run();

    expect((await getSession({ bearer: client.bearer })).body).toBeNull();
    expect((await call("/api/me", { headers: { authorization: `Bearer ${client.bearer}` } })).status).toBe(401);
    // The expired session is cleaned up where it was seen.
    expect(await kvHasSession(token)).toBe(false);
    expect(await sessionRow(token)).toBeNull();
  });

  it("rejects a session whose KV entry and row have both expired", async () => {
    const client = await signUp();
    const token = rawToken(client.bearer);
    await editCachedSession(token, (_copy, metadata) => {
      metadata.exp = Date.now() - 1;
    });
    await env.DB.prepare("UPDATE session SET expires_at = ? WHERE token = ?")
      .bind(Date.now() - 1_000, token)
      .run();
    expect((await getSession({ bearer: client.bearer })).body).toBeNull();
  });
});
