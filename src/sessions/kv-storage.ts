/**
 * Better Auth's secondary storage on Workers KV: session copies under
 * versioned keys, with the real expiry in each key's metadata (KV cannot
 * expire a key sooner than 60 s), and every session copy passed through the
 * trust bound (`trust.ts`). Verification values are never cached, and the
 * atomic operations KV cannot do refuse loudly. docs/sessions.md, "KV is
 * secondary storage".
 */
import type { BetterAuthOptions } from "better-auth";
import { storageCall } from "../db/outage";
import { currentReadMode } from "./read-mode";
import type { SessionTrust } from "./trust";

export type SecondaryStorage = NonNullable<BetterAuthOptions["secondaryStorage"]>;

/** Better Auth's secondary storage, plus the read the warm-check fast path uses. */
export interface KvSecondaryStorage extends SecondaryStorage {
  /**
   * The copy of session `token`, as `get` returns it, except that it may be
   * the copy this isolate read less than `SESSION_MEMORY_SECONDS` ago.
   * Better Auth's own reads never get a remembered copy: it writes what it
   * reads back to KV (a renewal, for one), and must not revive a session
   * deleted in the meantime.
   */
  readSession(token: string): Promise<string | null>;
  /** Until when (epoch ms) `readSession(token)` goes on returning the copy remembered now (`trust.ts`), if any. */
  reusableUntil(token: string): number | undefined;
}

/** Versioned prefix of every key this adapter writes. */
export const KV_PREFIX = "ba:v1:";

/** KV refuses `expirationTtl` below 60 seconds. */
const KV_MIN_TTL_SECONDS = 60;

/** Metadata stored with every value. */
export interface EntryMetadata {
  /** When the value stops being valid, in epoch milliseconds; `null` for never. */
  exp: number | null;
}

/** Thrown when Better Auth asks KV for an operation it cannot do atomically. */
export class AtomicOperationUnsupportedError extends Error {
  constructor(operation: string) {
    super(
      `Workers KV cannot ${operation} atomically; keep verification in D1 ` +
        "(verification.storeInDatabase) and rate limiting in the Durable Object.",
    );
    this.name = "AtomicOperationUnsupportedError";
  }
}

export interface KvStorageOptions {
  /** Consulted for every session copy found; by default every copy is used. */
  trust?: SessionTrust;
  now?: () => number;
  /**
   * Waits before each retry of a write KV refused for writing the same key
   * within a second (`429`). @default [1000, 2000]
   */
  retryDelaysMs?: readonly number[];
}

/** KV takes one write per key per second; a second one within it fails with this. */
const SAME_KEY_LIMIT = /\b429\b/;

/**
 * Runs `write`, again after each of `delaysMs` while KV refuses it for the
 * one-write-per-key-per-second limit. Better Auth writes a user's session
 * list twice in one request at times (a sign-in that ends the least recently
 * used session, a re-authentication), which that limit refuses at Cloudflare.
 */
async function withinWriteLimit(write: () => Promise<void>, delaysMs: readonly number[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      const delay = delaysMs[attempt];
      if (delay === undefined || !SAME_KEY_LIMIT.test(String((error as Error)?.message ?? error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/**
 * Verification tokens (email links, password resets) stay in D1 only: a KV
 * copy would put live reset tokens in key names and could be read stale at
 * another location after the token was used.
 */
function isVerificationKey(key: string): boolean {
  return key.startsWith("verification:");
}

/** Session tokens are alphanumeric; Better Auth's other keys contain `-` or `:`. */
function isSessionKey(key: string): boolean {
  return /^[A-Za-z0-9]+$/.test(key);
}

/**
 * Wraps a KV namespace as Better Auth `secondaryStorage`.
 *
 * @example
 * ```ts
 * betterAuth({ secondaryStorage: kvSecondaryStorage(env.SESSION_KV), ... })
 * ```
 */
export function kvSecondaryStorage(kv: KVNamespace, options: KvStorageOptions = {}): KvSecondaryStorage {
  const { trust, now = () => Date.now(), retryDelaysMs = [1000, 2000] } = options;
  /** The trust policy for `key`, if it is a session's. */
  const trustFor = (key: string) => (isSessionKey(key) ? trust : undefined);

  async function read(key: string, remembered: boolean): Promise<string | null> {
    if (isVerificationKey(key)) return null;
    const policy = trustFor(key);
    const known = policy ? currentReadMode() : "cached";
    const mode = typeof known === "string" ? known : await known;
    const recalled = remembered ? policy?.recall(key, mode) : undefined;
    if (recalled) return recalled.exp === null || recalled.exp > now() ? recalled.value : null;
    const mark = policy?.begin();
    const { value, metadata } = await storageCall("KV", () => kv.getWithMetadata<EntryMetadata>(KV_PREFIX + key, "text"));
    if (value === null || !metadata || (metadata.exp !== null && metadata.exp <= now())) return null;
    if (!policy || !mark) return value;
    return (await policy.accept(key, { value, exp: metadata.exp }, mark, mode)) ? value : null;
  }

  /** Runs a write of `key`; the isolate drops its copy both before and once the write has landed, so no read in between is kept. */
  async function change(key: string, deleted: boolean, write: () => Promise<void>): Promise<void> {
    const session = trustFor(key);
    const drop = () => (deleted ? session?.forget(key) : session?.replaced(key));
    drop();
    try {
      await storageCall("KV", () => withinWriteLimit(write, retryDelaysMs));
    } finally {
      drop();
    }
  }

  return {
    get: (key) => read(key, false),
    readSession: (token) => read(token, true),
    reusableUntil: (token) => trustFor(token)?.reusableUntil(token),
    async set(key, value, ttl) {
      if (isVerificationKey(key)) return;
      if (ttl !== undefined && ttl <= 0) return change(key, true, () => kv.delete(KV_PREFIX + key));
      const metadata: EntryMetadata = { exp: ttl === undefined ? null : now() + ttl * 1000 };
      await change(key, false, () =>
        kv.put(
          KV_PREFIX + key,
          value,
          ttl === undefined ? { metadata } : { metadata, expirationTtl: Math.max(KV_MIN_TTL_SECONDS, Math.ceil(ttl)) },
        ),
      );
    },
    async delete(key) {
      if (isVerificationKey(key)) return;
      await change(key, true, () => kv.delete(KV_PREFIX + key));
    },
    getAndDelete() {
      throw new AtomicOperationUnsupportedError("get-and-delete");
    },
    increment() {
      throw new AtomicOperationUnsupportedError("increment");
    },
  };
}
