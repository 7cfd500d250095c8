/**
 * The session check every request behind this Worker pays for, without
 * Better Auth's endpoint machinery.
 *
 * For a warm session it verifies the token's signature (one HMAC with a key
 * imported once per isolate, then remembered per credential), reads the KV
 * copy through the same storage adapter Better Auth uses (so the same expiry
 * and trust bound apply, and the isolate's copy from the last few seconds is
 * reused), and checks the session's own expiry. Anything else (no KV copy, an expired or
 * ending session, a session due for renewal) goes to Better Auth's
 * `getSession`, which reads D1, cleans up and renews exactly as it always does.
 *
 * Unlike Better Auth it does not read the `revoked-sessions-before` marker (a
 * second KV read per request); "revoke all" deletes the copies it knows of,
 * and any it missed is refused within the trust bound, as at other locations.
 */
import type { SessionRecord, SessionUser } from "../../client/contract";
import type { AuthRuntime } from "./index";

/** The answer: a session, no session, or "ask Better Auth". */
export type FastLookup = { user: SessionUser; session: SessionRecord } | "anonymous" | "slow";

/** Better Auth's signatures: standard base64 of an HMAC-SHA-256, 44 characters with padding. */
const SIGNATURE_LENGTH = 44;

interface Prepared {
  cookieName: string;
  key: CryptoKey;
  expiresInMs: number;
  updateAgeMs: number;
  /** Credentials whose signature checked out, and their token: a signature stays valid as long as the secret. */
  verified: BoundedMap<string, string>;
  /** The last KV copy seen per token and its parsed form: parsing is skipped while KV returns the same text. */
  parsed: BoundedMap<string, { raw: string; user: SessionUser; session: SessionRecord; expiresAt: number }>;
}

/** Entries each per-isolate memo keeps; the oldest go first. */
const MEMO_SIZE = 10_000;

/** A Map that forgets its oldest entries past `limit`. */
class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly limit: number) {
    super();
  }
  override set(key: K, value: V): this {
    this.delete(key);
    super.set(key, value);
    if (this.size > this.limit) this.delete(this.keys().next().value!);
    return this;
  }
}

const prepared = new WeakMap<AuthRuntime, Promise<Prepared>>();

/** Cookie name, signing key and session timing, read from Better Auth once per runtime. */
function prepare(runtime: AuthRuntime): Promise<Prepared> {
  let ready = prepared.get(runtime);
  if (!ready) {
    ready = runtime.auth.$context.then(async (context) => ({
      cookieName: context.authCookies.sessionToken.name,
      key: await crypto.subtle.importKey("raw", new TextEncoder().encode(context.secret), { name: "HMAC", hash: "SHA-256" }, false, [
        "verify",
      ]),
      expiresInMs: context.sessionConfig.expiresIn * 1000,
      updateAgeMs: context.sessionConfig.updateAge * 1000,
      verified: new BoundedMap<string, string>(MEMO_SIZE),
      parsed: new BoundedMap(MEMO_SIZE),
    }));
    ready.catch(() => prepared.delete(runtime));
    prepared.set(runtime, ready);
  }
  return ready;
}

/**
 * Checks the session `headers` carry (a bearer token first, as Better Auth's
 * bearer plugin does, then the session cookie).
 *
 * @example
 * ```ts
 * const found = await fastLookup(getRuntime(env), request.headers);
 * if (found === "slow") { ... ask Better Auth ... }
 * ```
 */
export async function fastLookup(runtime: AuthRuntime, headers: Headers): Promise<FastLookup> {
  const { cookieName, key, expiresInMs, updateAgeMs, verified, parsed } = await prepare(runtime);
  let token: string | null = null;
  for (const credential of [bearerToken(headers), cookieValue(headers, cookieName)]) {
    if (!credential) continue;
    token = verified.get(credential) ?? (await verifiedToken(credential, key));
    if (token) {
      verified.set(credential, token);
      break;
    }
  }
  if (!token) return "anonymous";

  // Through the trust bound; a copy reused from memory is the same string, so it is not parsed again.
  const cached = await runtime.storage.readSession(token);
  if (typeof cached !== "string") return "slow";
  let entry = parsed.get(token);
  if (entry?.raw !== cached) {
    const copy = JSON.parse(cached) as { session?: Record<string, unknown>; user?: Record<string, unknown> };
    if (!copy.session || !copy.user) return "slow";
    const { token: _token, ...session } = copy.session;
    entry = {
      raw: cached,
      user: withDates(copy.user) as unknown as SessionUser,
      session: withDates(session) as unknown as SessionRecord,
      expiresAt: Date.parse(String(copy.session.expiresAt)),
    };
    parsed.set(token, entry);
  }
  const now = Date.now();
  // Expired (Better Auth deletes it) or due for renewal (Better Auth extends it and sets the cookie).
  if (!(entry.expiresAt > now) || entry.expiresAt - expiresInMs + updateAgeMs <= now) return "slow";
  // Copies, so no caller can change what the next request sees.
  return { user: { ...entry.user }, session: { ...entry.session } };
}

function bearerToken(headers: Headers): string | null {
  const authorization = headers.get("authorization");
  if (!authorization || !/^bearer /i.test(authorization)) return null;
  return decode(authorization.slice(7).trim());
}

/** The first value of cookie `name`, as Better Auth reads it. */
function cookieValue(headers: Headers, name: string): string | null {
  const header = headers.get("cookie");
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      let value = part.slice(eq + 1).trim();
      if (value.startsWith('"')) value = value.slice(1, -1);
      return decode(value);
    }
  }
  return null;
}

/** The token inside `<token>.<signature>` when the signature is ours; otherwise `null`. */
async function verifiedToken(credential: string, key: CryptoKey): Promise<string | null> {
  const dot = credential.lastIndexOf(".");
  if (dot < 1) return null;
  const signature = credential.slice(dot + 1);
  if (signature.length !== SIGNATURE_LENGTH || !signature.endsWith("=")) return null;
  const token = credential.slice(0, dot);
  try {
    const bytes = Uint8Array.from(atob(signature), (char) => char.charCodeAt(0));
    return (await crypto.subtle.verify("HMAC", key, bytes, new TextEncoder().encode(token))) ? token : null;
  } catch {
    return null;
  }
}

function decode(value: string): string {
  try {
    return value.includes("%") ? decodeURIComponent(value) : value;
  } catch {
    return value;
  }
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
