/**
 * Edge middleware for Workers that sit behind the auth Worker.
 *
 * Import it from another Worker (`edge-session-worker/client`): it needs only
 * Hono and a Service Binding to the auth Worker's `AuthService` entrypoint,
 * and pulls in none of Better Auth, Drizzle or the auth Worker's code.
 *
 * @example
 * ```ts
 * // wrangler.toml: [[services]] binding = "AUTH", service = "edge-session-worker", entrypoint = "AuthService"
 * import { Hono } from "hono";
 * import { authSession, forwardAuth, requireAuth, type AuthEnv } from "edge-session-worker/client";
 *
 * const app = new Hono<AuthEnv<Env>>();
 * app.all("/api/auth/*", forwardAuth({ binding: "AUTH" }));
 * app.use("*", authSession({ binding: "AUTH" }));
 * app.get("/private", requireAuth(), (c) => c.json({ id: c.var.user.id }));
 * ```
 */
import type { Context, MiddlewareHandler } from "hono";
import { type AuthServiceRpc, errorResponse, type SessionRecord, type SessionUser, type ValidatedSession } from "./contract";

export type { AuthServiceRpc, ErrorBody, ErrorCode, SessionRecord, SessionUser, ValidatedSession, ValidateOptions } from "./contract";
export { ERROR_CODES, errorResponse } from "./contract";

/** The Hono environment the middleware fills: `user` and `session`, or `null` for both. */
export type AuthEnv<Bindings extends object = object> = {
  Bindings: Bindings;
  Variables: { user: SessionUser | null; session: SessionRecord | null };
};

/** What `requireAuth()` guarantees to the handlers after it. */
export type AuthedEnv<Bindings extends object = object> = {
  Bindings: Bindings;
  Variables: { user: SessionUser; session: SessionRecord };
};

/** A Service Binding to the auth Worker's `AuthService` entrypoint. */
export type AuthBinding = AuthServiceRpc & { fetch(request: Request): Promise<Response> };

export interface AuthSessionOptions {
  /** Name of the Service Binding in the calling Worker's `Env`. */
  binding: string;
  /** Check every request against D1, skipping the auth Worker's caches and this isolate's. @default false */
  fresh?: boolean;
}

/** Answers remembered per isolate; the oldest go first past this many (about 1 KiB each). */
const MAX_REMEMBERED = 10_000;

/**
 * Sessions this isolate validated, until the `reuseUntil` the auth Worker
 * gave: as long as it would itself answer from memory, so the revocation
 * bound is the auth Worker's (docs/performance.md, "The consumer path").
 */
const remembered = new Map<string, { answer: ValidatedSession; until: number }>();

/**
 * The map key of a request's credentials through one binding: a SHA-256,
 * so the map holds neither the credentials nor headers of unbounded size.
 */
async function credentialsKey(binding: string, cookie: string | undefined, authorization: string | undefined): Promise<string> {
  const text = new TextEncoder().encode(`${binding}\n${authorization ?? ""}\n${cookie ?? ""}`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", text));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function recall(key: string): ValidatedSession | null {
  const entry = remembered.get(key);
  if (!entry) return null;
  if (entry.until <= Date.now()) {
    remembered.delete(key);
    return null;
  }
  // A deep copy (dates included), so no handler can change what the next request sees.
  return structuredClone(entry.answer);
}

function remember(key: string, answer: ValidatedSession): void {
  if (!answer.reuseUntil || answer.reuseUntil <= Date.now() || answer.setCookies.length > 0) return;
  remembered.delete(key);
  if (remembered.size >= MAX_REMEMBERED) remembered.delete(remembered.keys().next().value as string);
  remembered.set(key, {
    answer: structuredClone({ user: answer.user, session: answer.session, setCookies: [] }),
    until: answer.reuseUntil,
  });
}

function bindingOf(c: Context, name: string): AuthBinding {
  const binding = (c.env as Record<string, unknown> | undefined)?.[name];
  if (!binding || typeof (binding as AuthBinding).validateHeaders !== "function") {
    throw new Error(`Service Binding "${name}" to the auth Worker's AuthService entrypoint is missing`);
  }
  return binding as AuthBinding;
}

/**
 * Validates the request's session through the auth Worker and sets `user`
 * and `session` on the context (`null` without a valid session).
 *
 * Identity comes only from the session credentials (`cookie`,
 * `authorization`) checked by the auth Worker; headers such as `x-user-id`
 * that a client sent are never read. An answer is reused for the same
 * credentials until the auth Worker's `reuseUntil` (a few seconds), which
 * leaves the revocation bound where it is; `fresh` never reuses.
 */
export function authSession(options: AuthSessionOptions): MiddlewareHandler<AuthEnv> {
  if (!options?.binding) throw new Error('authSession() needs the name of the Service Binding: authSession({ binding: "AUTH" })');
  return async function authSession(c, next) {
    const headers: Record<string, string> = {};
    const cookie = c.req.header("cookie");
    const authorization = c.req.header("authorization");
    if (cookie) headers.cookie = cookie;
    if (authorization) headers.authorization = authorization;
    let result: ValidatedSession | null = null;
    const credentials = Boolean(cookie || authorization);
    const key = credentials && !options.fresh ? await credentialsKey(options.binding, cookie, authorization) : undefined;
    if (key) result = recall(key);
    if (credentials && !result) {
      const auth = bindingOf(c, options.binding);
      try {
        result = await auth.validateHeaders(headers, { fresh: options.fresh === true });
        if (result && key) remember(key, result);
      } catch (error) {
        // Never fall back to "anonymous": the session may well be valid.
        console.error("auth Worker unavailable:", error);
        return errorResponse("SERVICE_UNAVAILABLE", { message: "Sessions cannot be checked right now; retry later" });
      }
    }
    c.set("user", result?.user ?? null);
    c.set("session", result?.session ?? null);
    // A renewed session cookie goes back to the browser, so active users stay signed in.
    if (cookie) for (const value of result?.setCookies ?? []) c.header("set-cookie", value, { append: true });
    await next();
  };
}

/**
 * Refuses requests without a valid session: `401 {"code":"UNAUTHORIZED"}`
 * with `WWW-Authenticate: Bearer`. Mount after `authSession()`.
 *
 * @example
 * ```ts
 * app.get("/private", requireAuth(), (c) => c.json({ id: c.var.user.id }));
 * ```
 */
export function requireAuth(): MiddlewareHandler<AuthedEnv> {
  return async function requireAuth(c, next) {
    const { user, session } = c.var as Partial<AuthEnv["Variables"]>;
    if (user === undefined) throw new Error("requireAuth() runs after authSession()");
    if (!user || !session) {
      return errorResponse("UNAUTHORIZED");
    }
    await next();
  };
}

/**
 * Forwards a request (e.g. everything under `/api/auth/`) to the auth Worker
 * over the binding, so browsers sign in on this Worker's origin. The client
 * address Cloudflare gave this Worker (`cf-connecting-ip`) goes along; the
 * auth Worker rate-limits by it. Add this Worker's origin to the auth
 * Worker's `TRUSTED_ORIGINS`.
 *
 * @example
 * ```ts
 * app.all("/api/auth/*", forwardAuth({ binding: "AUTH" }));
 * ```
 */
export function forwardAuth(options: { binding: string }): MiddlewareHandler {
  return async function forwardAuth(c) {
    // A sign-out or revocation sent this way is seen here at once: the answer remembered for these
    // credentials goes, before and after (a check under way meanwhile may have put it back).
    const key = await credentialsKey(options.binding, c.req.header("cookie"), c.req.header("authorization"));
    remembered.delete(key);
    try {
      // The request goes as it came, cf-connecting-ip (set by Cloudflare, not the client) included.
      return await bindingOf(c, options.binding).fetch(c.req.raw);
    } finally {
      remembered.delete(key);
    }
  };
}
