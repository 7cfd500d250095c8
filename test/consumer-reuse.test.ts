import { env, exports } from "cloudflare:workers";
import { Hono } from "hono";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type AuthBinding, type AuthEnv, authSession, forwardAuth, requireAuth } from "../client";
import { call, editCachedSession, rawToken, signIn, signUp } from "./helpers";

const MEMORY_MS = Number(env.SESSION_MEMORY_SECONDS) * 1000;
const EXPIRES_IN_MS = Number(env.SESSION_EXPIRES_IN) * 1000;
const UPDATE_AGE_MS = Number(env.SESSION_UPDATE_AGE) * 1000;

/** A consumer Worker as the README shows it, over the real RPC entrypoint, counting its session checks. */
function consumer(options: { fresh?: boolean; binding?: string } = {}) {
  const name = options.binding ?? "AUTH";
  const auth = exports.AuthService;
  const calls = { validate: 0 };
  const binding: AuthBinding = {
    validateHeaders: (headers, validateOptions) => {
      calls.validate += 1;
      return auth.validateHeaders(headers, validateOptions);
    },
    validateToken: (token, validateOptions) => auth.validateToken(token, validateOptions),
    fetch: (request) => auth.fetch(request),
  };
  const app = new Hono<AuthEnv<Record<string, AuthBinding>>>();
  app.all("/api/auth/*", forwardAuth({ binding: name }));
  app.use("*", authSession({ binding: name, fresh: options.fresh }));
  app.get("/private", requireAuth(), (c) => c.json({ id: c.var.user?.id }));
  app.get("/seen", requireAuth(), (c) => c.json({ name: c.var.user?.name, expiresAt: c.var.session?.expiresAt.getTime() }));
  // A careless handler: it changes the user and the session it was given.
  app.get("/careless", requireAuth(), (c) => {
    if (c.var.user && c.var.session) {
      c.var.user.name = "changed";
      c.var.session.expiresAt.setTime(0);
    }
    return c.json({});
  });
  const request = (path: string, init: RequestInit = {}) => app.request(`https://app.example.com${path}`, init, { [name]: binding });
  const status = async (headers: Record<string, string>) => (await request("/private", { headers })).status;
  return { calls, request, status };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("a consumer's reuse of session answers", () => {
  it("gives the same answer for the same credentials until the auth Worker's reuseUntil, then asks again", async () => {
    const client = await signUp();
    const bearer = { authorization: `Bearer ${client.bearer}` };
    const { calls, status } = consumer();
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const start = Date.now();
    for (let i = 0; i < 5; i++) expect(await status(bearer)).toBe(200);
    expect(calls.validate).toBe(1);

    const answer = await exports.AuthService.validateHeaders(bearer);
    expect(answer?.reuseUntil).toBeGreaterThan(start);
    expect(answer?.reuseUntil).toBeLessThanOrEqual(start + MEMORY_MS);
    vi.setSystemTime(start + MEMORY_MS);
    expect(await status(bearer)).toBe(200);
    expect(calls.validate).toBe(2);
  });

  it("refuses a session revoked at the auth Worker once its reuse ends, within SESSION_MEMORY_SECONDS like any isolate", async () => {
    const client = await signUp();
    const bearer = { authorization: `Bearer ${client.bearer}` };
    const { status } = consumer();
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const start = Date.now();
    expect(await status(bearer)).toBe(200);
    expect((await call("/api/auth/sign-out", { method: "POST", headers: bearer, json: {} })).status).toBe(200);
    // The remembered answer holds as long as an auth Worker isolate's own memory would...
    vi.setSystemTime(start + MEMORY_MS - 1);
    expect(await status(bearer)).toBe(200);
    // ...and no longer.
    vi.setSystemTime(start + MEMORY_MS);
    expect(await status(bearer)).toBe(401);
  });

  it("sees a sign-out sent through forwardAuth at once", async () => {
    const client = await signUp();
    const bearer = { authorization: `Bearer ${client.bearer}` };
    const { calls, request, status } = consumer();
    expect(await status(bearer)).toBe(200);
    const signOut = await request("/api/auth/sign-out", {
      method: "POST",
      headers: { ...bearer, "content-type": "application/json" },
      body: "{}",
    });
    expect(signOut.status).toBe(200);
    expect(await status(bearer)).toBe(401);
    expect(calls.validate).toBe(2);
  });

  it("gives each request its own copy, so a handler that changes it changes nothing for the next", async () => {
    const client = await signUp({ name: "Ada" });
    const bearer = { authorization: `Bearer ${client.bearer}` };
    const { calls, request } = consumer();
    const before = await (await request("/seen", { headers: bearer })).json();
    expect((await request("/careless", { headers: bearer })).status).toBe(200);
    expect(await (await request("/seen", { headers: bearer })).json()).toEqual(before);
    expect(before).toMatchObject({ name: "Ada" });
    expect(calls.validate).toBe(1);
  });

  it("keeps the answers of one binding from another's", async () => {
    const client = await signUp();
    const bearer = { authorization: `Bearer ${client.bearer}` };
    const first = consumer();
    const second = consumer({ binding: "OTHER_AUTH" });
    expect(await first.status(bearer)).toBe(200);
    expect(await second.status(bearer)).toBe(200);
    expect([first.calls.validate, second.calls.validate]).toEqual([1, 1]);
  });

  it("never reuses with fresh: true", async () => {
    const client = await signUp();
    const { calls, status } = consumer({ fresh: true });
    for (let i = 0; i < 3; i++) expect(await status({ cookie: client.cookie })).toBe(200);
    expect(calls.validate).toBe(3);
  });

  it("stops reusing when the session's renewal falls due, so the renewed cookie reaches the browser", async () => {
    const client = await signIn((await signUp()).email);
    const token = rawToken(client.bearer);
    const renewalIn = 2_000;
    const expiresAt = Date.now() + EXPIRES_IN_MS - UPDATE_AGE_MS + renewalIn;
    await editCachedSession(token, (copy) => {
      copy.session.expiresAt = new Date(expiresAt).toISOString();
    });
    await env.DB.prepare("UPDATE session SET expires_at = ? WHERE token = ?").bind(expiresAt, token).run();
    const { calls, request } = consumer();
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const start = Date.now();
    const answer = await exports.AuthService.validateHeaders({ cookie: client.cookie });
    expect(answer?.reuseUntil).toBeLessThanOrEqual(expiresAt - EXPIRES_IN_MS + UPDATE_AGE_MS);

    expect((await request("/private", { headers: { cookie: client.cookie } })).status).toBe(200);
    vi.setSystemTime(start + renewalIn);
    const renewed = await request("/private", { headers: { cookie: client.cookie } });
    expect(renewed.status).toBe(200);
    expect(renewed.headers.getSetCookie().find((value) => value.includes("session_token="))).toMatch(/Max-Age=604800/);
    expect(calls.validate).toBe(2);
  });
});
