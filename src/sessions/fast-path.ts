/**
 * The session check every request behind this Worker pays for, without
 * Better Auth's endpoint machinery: the credential's signature (remembered
 * per credential), the KV copy through the same adapter and trust bound as
 * Better Auth, and the session's own expiry. Anything else goes to Better
 * Auth's `getSession`. See docs/performance.md, "The warm session check".
 */

import type { AuthContext } from "better-auth";
import { parseSessionOutput, parseUserOutput } from "better-auth/db";
import type { SessionRecord, SessionUser } from "../../client/contract";
import { BoundedMap } from "./bounded-map";
import { type CredentialKeys, credentialKeys, secretsOf, sessionCredential, type VerifiedCredential } from "./credentials";
import type { KvSecondaryStorage } from "./kv-storage";

/**
 * The answer: a session, no session, or "ask Better Auth". A session comes
 * with `reuseUntil` (epoch ms, 0 for not at all): until then the same
 * credential gets the same answer here, from memory, short of a change made
 * in this isolate; never past a renewal that falls due, the expiry or the
 * end of the session's lifetime.
 */
export type FastLookup = { user: SessionUser; session: SessionRecord; reuseUntil: number } | "anonymous" | "slow";

/** Entries each per-isolate memo keeps; the oldest go first. */
const MEMO_SIZE = 10_000;

/** What the fast path reads from Better Auth once, and remembers per isolate. */
export interface FastPath {
  cookieName: string;
  /** The configured secrets' keys: a credential signed with a previous secret still counts during a rotation. */
  keys: CredentialKeys;
  expiresInMs: number;
  updateAgeMs: number;
  /** The absolute lifetime, from sign-in (`SESSION_MAX_AGE`). */
  maxAgeMs: number;
  /** What Better Auth shows of a session and a user. */
  output: {
    session(session: Record<string, unknown>): Record<string, unknown>;
    user(user: Record<string, unknown>): Record<string, unknown>;
  };
  storage: KvSecondaryStorage;
  /** Credentials whose signature checked out, and their token: a signature stays valid as long as the secrets. */
  verified: BoundedMap<string, VerifiedCredential>;
  /** The last KV copy seen per token and its parsed form: parsing is skipped while KV returns the same text. */
  parsed: BoundedMap<string, { raw: string; user: SessionUser; session: SessionRecord; expiresAt: number; endsAt: number }>;
}

/**
 * Cookie name, signing keys and session timing, from Better Auth's context.
 *
 * @example
 * ```ts
 * const fastPath = await createFastPath(await auth.$context, storage);
 * ```
 */
export async function createFastPath(
  context: Pick<AuthContext, "authCookies" | "secretConfig" | "sessionConfig" | "options">,
  storage: KvSecondaryStorage,
  maxAgeMs: number,
): Promise<FastPath> {
  return {
    cookieName: context.authCookies.sessionToken.name,
    keys: await credentialKeys(secretsOf(context.secretConfig)),
    expiresInMs: context.sessionConfig.expiresIn * 1000,
    updateAgeMs: context.sessionConfig.updateAge * 1000,
    maxAgeMs,
    // Better Auth's own output filters: fields it does not return (the tombstone) stay out here too.
    output: {
      session: (session) => parseSessionOutput(context.options, session as Parameters<typeof parseSessionOutput>[1]),
      user: (user) => parseUserOutput(context.options, user as Parameters<typeof parseUserOutput>[1]),
    },
    storage,
    verified: new BoundedMap(MEMO_SIZE),
    parsed: new BoundedMap(MEMO_SIZE),
  };
}

/**
 * Checks the session `headers` carry (a bearer token first, as Better Auth's
 * bearer plugin does, then the session cookie).
 *
 * @example
 * ```ts
 * const found = await fastLookup(await runtime.fastPath(), request.headers);
 * if (found === "slow") { ... ask Better Auth ... }
 * ```
 */
export async function fastLookup(fastPath: FastPath, headers: Headers): Promise<FastLookup> {
  const { cookieName, keys, expiresInMs, updateAgeMs, maxAgeMs, output, storage, verified, parsed } = fastPath;
  const token = (await sessionCredential(headers, cookieName, keys, verified))?.token;
  if (!token) return "anonymous";

  // Through the trust bound; a copy reused from memory is the same string, so it is not parsed again.
  const cached = await storage.readSession(token);
  if (typeof cached !== "string") return "slow";
  let entry = parsed.get(token);
  if (entry?.raw !== cached) {
    const copy = JSON.parse(cached) as { session?: Record<string, unknown>; user?: Record<string, unknown> };
    if (!copy.session || !copy.user) return "slow";
    const { token: _token, ...session } = output.session(copy.session);
    entry = {
      raw: cached,
      user: withDates(output.user(copy.user)) as unknown as SessionUser,
      session: withDates(session) as unknown as SessionRecord,
      expiresAt: Date.parse(String(copy.session.expiresAt)),
      // The creation time travels with the copy: the absolute lifetime needs no D1 read.
      endsAt: Date.parse(String(copy.session.createdAt)) + maxAgeMs,
    };
    parsed.set(token, entry);
  }
  const now = Date.now();
  // Past its absolute lifetime (or a copy without a creation time): no session, whatever its expiry says.
  if (!(entry.endsAt > now)) return "anonymous";
  // Expired (Better Auth deletes it), or due for renewal while renewal can still extend it
  // (Better Auth extends it, never past its absolute end, and sets the cookie).
  const due = entry.expiresAt - expiresInMs + updateAgeMs <= now && entry.expiresAt < entry.endsAt;
  if (!(entry.expiresAt > now) || due) return "slow";
  const renewal = entry.expiresAt < entry.endsAt ? entry.expiresAt - expiresInMs + updateAgeMs : Number.POSITIVE_INFINITY;
  const reusable = Math.min(storage.reusableUntil(token) ?? 0, renewal, entry.expiresAt, entry.endsAt);
  // Deep copies (dates included), so no caller can change what the next request sees.
  return { user: structuredClone(entry.user), session: structuredClone(entry.session), reuseUntil: reusable > now ? reusable : 0 };
}

const DATE_FIELDS = ["createdAt", "updatedAt", "expiresAt"];

/** Better Auth's copies hold ISO strings; callers get `Date`s, as from Better Auth. */
function withDates(record: Record<string, unknown>): Record<string, unknown> {
  const out = { ...record };
  for (const field of DATE_FIELDS) {
    if (typeof out[field] === "string") out[field] = new Date(out[field]);
  }
  return out;
}
