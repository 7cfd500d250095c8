import { createExecutionContext, runInDurableObject, SELF, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../src/index";
import { type MailKind, readOutbox } from "../src/mail";
import { KV_PREFIX } from "../src/sessions/kv-storage";

export const ORIGIN = "https://auth.example.com";

let counter = 0;

/** A fresh, unique email address per call: each test creates its own users. */
export function uniqueEmail(label = "user"): string {
  counter += 1;
  return `${label}-${Date.now().toString(36)}-${counter}-${crypto.randomUUID().slice(0, 8)}@example.com`;
}

export const PASSWORD = "correct horse battery staple";

export interface Client {
  email: string;
  password: string;
  /** `name=value` of the session cookie, ready for a `Cookie` header. */
  cookie: string;
  /** The signed bearer token from `set-auth-token`. */
  bearer: string;
  userId: string;
}

/**
 * A fresh client address (198.18.0.0/15, the benchmarking range), so tests
 * that are not about rate limiting never share a bucket.
 */
export function randomIp(): string {
  const n = crypto.getRandomValues(new Uint32Array(1))[0]! & 0x1ffff;
  return `198.${18 + (n >> 16)}.${(n >> 8) & 0xff}.${n & 0xff}`;
}

/** Cloudflare's properties of a request (`request.cf`): where it came from. */
export type CfProperties = Partial<IncomingRequestCfProperties>;

type CallInit = RequestInit & { json?: unknown; ip?: string; cf?: CfProperties };

/** A request to the Worker: JSON body, client address (a fresh one by default), `cf` properties if given, no redirects followed. */
function request(path: string, init: CallInit): Request {
  const headers = new Headers(init.headers);
  if (init.json !== undefined) headers.set("content-type", "application/json");
  if (!headers.has("cf-connecting-ip")) headers.set("cf-connecting-ip", init.ip ?? randomIp());
  const body = init.json !== undefined ? JSON.stringify(init.json) : init.body;
  return new Request(new URL(path, ORIGIN), { ...init, headers, body, redirect: "manual", cf: init.cf as IncomingRequestCfProperties });
}

/** Sends a request to the Worker under test, from `ip` (a fresh address by default). */
export function call(path: string, init: CallInit = {}): Promise<Response> {
  return SELF.fetch(request(path, init));
}

/** The `name=value` part of the session cookie a response sets, or `undefined`. */
export function sessionCookie(response: Response): string | undefined {
  const cookie = response.headers.getSetCookie().find((value) => /session_token=/.test(value));
  return cookie?.split(";")[0];
}

/** Signs up a new user and returns its cookie session and bearer token. */
export async function signUp(
  options: { email?: string; password?: string; name?: string; ip?: string; userAgent?: string; cf?: CfProperties } = {},
): Promise<Client> {
  const email = options.email ?? uniqueEmail();
  const password = options.password ?? PASSWORD;
  const response = await call("/api/auth/sign-up/email", {
    method: "POST",
    json: { email, password, name: options.name ?? "Test User" },
    ip: options.ip,
    headers: options.userAgent ? { "user-agent": options.userAgent } : undefined,
    cf: options.cf,
  });
  if (response.status !== 200) throw new Error(`sign-up failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { user: { id: string } };
  return {
    email,
    password,
    cookie: sessionCookie(response) ?? "",
    bearer: response.headers.get("set-auth-token") ?? "",
    userId: body.user.id,
  };
}

/** Signs in and returns the new session's cookie and bearer token. */
export async function signIn(email: string, password = PASSWORD, init: { ip?: string; userAgent?: string; cf?: CfProperties } = {}) {
  const response = await call("/api/auth/sign-in/email", {
    method: "POST",
    json: { email, password },
    ip: init.ip,
    headers: init.userAgent ? { "user-agent": init.userAgent } : undefined,
    cf: init.cf,
  });
  return {
    response,
    cookie: sessionCookie(response) ?? "",
    bearer: response.headers.get("set-auth-token") ?? "",
  };
}

/** GET /api/auth/get-session with the given credentials. */
export async function getSession(credentials: { cookie?: string; bearer?: string }) {
  const headers: Record<string, string> = {};
  if (credentials.cookie) headers.cookie = credentials.cookie;
  if (credentials.bearer) headers.authorization = `Bearer ${credentials.bearer}`;
  const response = await call("/api/auth/get-session", { headers });
  return { response, body: (await response.json()) as { user: { id: string; email: string }; session: { id: string } } | null };
}

/** The raw session token inside a cookie (`name=token.signature`) or a bearer value. */
export function rawToken(credential: string): string {
  const value = credential.includes("=") && credential.includes("session_token") ? credential.split("=").slice(1).join("=") : credential;
  return decodeURIComponent(value).split(".")[0] ?? "";
}

/** The session row for a token in D1, or `null`. */
export async function sessionRow(token: string) {
  return env.DB.prepare("SELECT * FROM session WHERE token = ?").bind(token).first<{
    id: string;
    user_id: string;
    expires_at: number;
    ip_address: string | null;
    user_agent: string | null;
    created_at: number;
    updated_at: number;
  }>();
}

/** Whether KV holds a copy of the session (raw, ignoring the expiry in its metadata). */
export async function kvHasSession(token: string): Promise<boolean> {
  return (await env.SESSION_KV.get(KV_PREFIX + token)) !== null;
}

/**
 * `binding` with some of its methods replaced (to count calls, inject a fault
 * or serve stale data); everything else goes to the real binding.
 *
 * @example
 * ```ts
 * const failing = wrapBinding(env.DB, { batch: () => Promise.reject(new Error("D1_ERROR")) });
 * ```
 */
export function wrapBinding<T extends object>(binding: T, overrides: { [K in keyof T]?: T[K] }): T {
  return new Proxy(binding, {
    get(target, prop) {
      if (Object.hasOwn(overrides, prop)) return overrides[prop as keyof T];
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** Runs the Worker with `bindings` swapped in (fault or staleness injection), in a new environment each call. */
export function callWith(bindings: Partial<Env>, path: string, init: CallInit = {}) {
  return callIn({ ...env, ...bindings }, path, init);
}

/**
 * Runs the Worker in `environment`. The Worker keeps one auth instance per
 * environment object, so calls that share `environment` share its caches,
 * as requests to one isolate would.
 */
export async function callIn(environment: Env, path: string, init: CallInit = {}) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(request(path, init), environment, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/**
 * Waits for background work (mail goes out through waitUntil) until `done`
 * holds, for up to two seconds; then returns whether it holds.
 */
export async function settle(done: () => boolean = () => false, timeoutMs = 2_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

/** The newest outbox mail of `kind` for `email`, waiting for background delivery; throws when none came. */
export async function latestMail<K extends MailKind>(email: string, kind: K) {
  await settle(() => readOutbox(email, kind).length > 0);
  const mail = readOutbox(email, kind).at(-1);
  if (!mail) throw new Error(`no ${kind} mail for ${email}`);
  return mail;
}

/** Rewrites the KV copy of a session as `edit` says, keeping the key readable for an hour. */
export async function editCachedSession(
  token: string,
  edit: (copy: { session: { expiresAt: string } }, metadata: { exp: number | null }) => void,
): Promise<void> {
  const { value, metadata } = await env.SESSION_KV.getWithMetadata<{ exp: number | null }>(KV_PREFIX + token, "text");
  if (value === null || metadata === null) throw new Error("no cached copy of this session");
  const copy = JSON.parse(value) as { session: { expiresAt: string } };
  edit(copy, metadata);
  await env.SESSION_KV.put(KV_PREFIX + token, JSON.stringify(copy), { metadata, expirationTtl: 3600 });
}

/** Moves a session's sign-in (`created_at`) back by `ms`, in D1 and in its KV copy. */
export async function ageSession(token: string, ms: number): Promise<void> {
  const row = await env.DB.prepare("SELECT created_at FROM session WHERE token = ?").bind(token).first<{ created_at: number }>();
  if (!row) throw new Error("no such session");
  const createdAt = row.created_at - ms;
  await env.DB.prepare("UPDATE session SET created_at = ? WHERE token = ?").bind(createdAt, token).run();
  await editCachedSession(token, (copy) => {
    (copy.session as { createdAt?: string }).createdAt = new Date(createdAt).toISOString();
  });
}

/** The RateLimiter object for a key (`ip:<address>`, `account:<email>`). */
export function limiterFor(key: string) {
  return env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(key));
}

/** Moves every window of a limiter key into the past, as if its time had run out. */
export async function expireWindows(key: string): Promise<void> {
  await runInDurableObject(limiterFor(key), (_instance, state) => {
    state.storage.sql.exec("UPDATE counters SET reset_at = ?, updated_at = updated_at - 86400000", Date.now() - 1);
  });
}

/**
 * KV as another location sees it: it keeps serving the copies it had cached
 * when `snapshot` was taken, whatever was deleted since.
 */
function staleKv(snapshot: Map<string, KVNamespaceGetWithMetadataResult<string, unknown>>): KVNamespace {
  const kv = env.SESSION_KV;
  return wrapBinding(kv, {
    getWithMetadata: (async (key: string) =>
      snapshot.has(key) ? snapshot.get(key) : kv.getWithMetadata(key, "text")) as KVNamespace["getWithMetadata"],
    get: (async (key: string) => (snapshot.has(key) ? snapshot.get(key)!.value : kv.get(key, "text"))) as KVNamespace["get"],
  });
}

/** Another location: it keeps the session's copy and the user's keys as they are now. */
export async function remoteLocationFor(token: string, userId: string): Promise<Env> {
  const keys = [token, `active-sessions-${userId}`, `revoked-sessions-before-${userId}`].map((key) => KV_PREFIX + key);
  const snapshot = new Map(await Promise.all(keys.map(async (key) => [key, await env.SESSION_KV.getWithMetadata(key, "text")] as const)));
  if (!snapshot.get(KV_PREFIX + token)?.value) throw new Error("no cached copy of this session to keep");
  return { ...env, SESSION_KV: staleKv(snapshot) };
}

/** D1 that counts the statements prepared on it. */
export function countingD1() {
  const counter = { queries: 0 };
  const db = wrapBinding(env.DB, {
    prepare: (query: string) => {
      counter.queries += 1;
      return env.DB.prepare(query);
    },
    batch: ((statements: D1PreparedStatement[]) => {
      counter.queries += statements.length;
      return env.DB.batch(statements);
    }) as D1Database["batch"],
  });
  return { db, counter };
}

/**
 * KV as Cloudflare enforces it and Miniflare does not: a second write (put
 * or delete) of a key within a second fails with `429`, as the binding's own
 * error says it. `refused` counts the writes turned away.
 */
export function oneWritePerKeyPerSecond(kv: KVNamespace = env.SESSION_KV) {
  const lastWrite = new Map<string, number>();
  const counter = { refused: 0 };
  const limited = (key: string, method: "PUT" | "DELETE") => {
    const now = Date.now();
    const last = lastWrite.get(key);
    if (last !== undefined && now - last < 1_000) {
      counter.refused += 1;
      throw new Error(`KV ${method} failed: 429 Too Many Requests`);
    }
    lastWrite.set(key, now);
  };
  const limitedKv = wrapBinding(kv, {
    put: (async (key: string, ...rest: unknown[]) => {
      limited(key, "PUT");
      return (kv.put as (...args: unknown[]) => Promise<void>)(key, ...rest);
    }) as KVNamespace["put"],
    delete: (async (key: string) => {
      limited(key, "DELETE");
      return kv.delete(key);
    }) as KVNamespace["delete"],
  });
  return { kv: limitedKv, counter };
}
