import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { AUTH_BODY_LIMIT_BYTES } from "../src/auth/plugin/http";
import { call, callWith, getSession, PASSWORD, signUp } from "./helpers";

async function expectJsonError(response: Response, status: number, code?: string | RegExp) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/application\/json/);
  const body = (await response.json()) as { code: string; message: string };
  expect(body).toEqual({ code: expect.any(String), message: expect.any(String) });
  if (code) expect(body.code).toMatch(code);
  return body;
}

describe("health", () => {
  it("answers 200 {ok:true} without touching D1", async () => {
    const response = await callWith({ DB: undefined as unknown as D1Database }, "/health");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });
});

describe("security headers", () => {
  it("every answer carries nosniff: JSON, errors, the session check", async () => {
    const client = await signUp();
    for (const response of [
      await call("/health"),
      await call("/nope"),
      await call("/api/me"),
      await call("/api/me", { headers: { authorization: `Bearer ${client.bearer}` } }),
      await call("/api/auth/get-session"),
      await call("/api/auth/jwks"),
      await call("/api/auth/sign-in/email"),
    ]) {
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    }
  });

  it("Better Auth's HTML error page runs no script, cannot be framed and sends no referrer", async () => {
    const response = await call("/api/auth/error?error=INVALID_TOKEN");
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const policy = response.headers.get("content-security-policy") ?? "";
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toMatch(/script-src/);
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  });
});

describe("bad input", () => {
  it("unknown routes get a JSON 404", async () => {
    await expectJsonError(await call("/nope"), 404, "NOT_FOUND");
    await expectJsonError(await call("/api/auth/does-not-exist"), 404, "NOT_FOUND");
  });

  it("a wrong method on an auth route gets a 405 that says which methods it takes", async () => {
    for (const [method, path, allowed] of [
      ["PUT", "/api/auth/sign-in/email", "POST"],
      ["GET", "/api/auth/sign-out", "POST"],
      ["DELETE", "/api/auth/list-sessions", "GET"],
    ] as const) {
      const response = await call(path, { method });
      await expectJsonError(response, 405, "METHOD_NOT_ALLOWED");
      expect(response.headers.get("allow")).toBe(allowed);
    }
  });

  it.each([
    ["no body", undefined],
    // Node's fetch sends a body-less POST as Content-Length: 0 with no Content-Type.
    ["an empty body", new Uint8Array()],
  ])("a POST with %s and no Content-Type is taken as one with no fields", async (_label, body) => {
    const client = await signUp();
    const response = await call("/api/auth/sign-out", { method: "POST", headers: { authorization: `Bearer ${client.bearer}` }, body });
    expect(response.status).toBe(200);
    expect((await getSession({ bearer: client.bearer })).body).toBeNull();
  });

  it("malformed JSON gets a 400", async () => {
    const response = await call("/api/auth/sign-in/email", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"email": "a@b.c", "password": ',
    });
    await expectJsonError(response, 400);
  });

  it("a body that is not JSON gets a 415", async () => {
    const response = await call("/api/auth/sign-in/email", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "email=a@b.c",
    });
    await expectJsonError(response, 415);
  });

  it("missing or invalid fields get a 400 that names them", async () => {
    const missing = await call("/api/auth/sign-up/email", { method: "POST", json: { email: "x@example.com" } });
    const missingBody = await expectJsonError(missing, 400);
    expect(missingBody.message).toMatch(/password|name/);
    const invalid = await call("/api/auth/sign-up/email", {
      method: "POST",
      json: { email: "not-an-email", password: PASSWORD, name: "N" },
    });
    await expectJsonError(invalid, 400);
    const short = await call("/api/auth/sign-up/email", {
      method: "POST",
      json: { email: "short@example.com", password: "123", name: "N" },
    });
    await expectJsonError(short, 400, "PASSWORD_TOO_SHORT");
    const wrongType = await call("/api/auth/sign-in/email", { method: "POST", json: { email: 42, password: ["x"] } });
    await expectJsonError(wrongType, 400);
    const array = await call("/api/auth/sign-in/email", { method: "POST", json: [1, 2, 3] });
    expect(array.status).toBeGreaterThanOrEqual(400);
    expect(array.status).toBeLessThan(500);
  });

  it("an oversized body gets a 413", async () => {
    const response = await call("/api/auth/sign-in/email", {
      method: "POST",
      json: { email: "big@example.com", password: "x".repeat(AUTH_BODY_LIMIT_BYTES + 1) },
    });
    await expectJsonError(response, 413, "PAYLOAD_TOO_LARGE");
  });

  it("an oversized body without Content-Length gets a 413", async () => {
    const chunk = new TextEncoder().encode("x".repeat(1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ > AUTH_BODY_LIMIT_BYTES / 1024 + 2) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const response = await call("/api/auth/sign-in/email", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      // @ts-expect-error: workerd needs duplex for streamed request bodies
      duplex: "half",
    });
    await expectJsonError(response, 413, "PAYLOAD_TOO_LARGE");
  });

  it.each([
    ["a garbage cookie", { cookie: "__Host-better-auth.session_token=%%%garbage.;;" }],
    ["a cookie with a forged signature", { cookie: "__Host-better-auth.session_token=abcdefghijklmnopqrstuvwxyz123456.AAAA" }],
    ["a garbage bearer token", { authorization: "Bearer ...." }],
    ["a forged bearer token", { authorization: "Bearer abcdefghijklmnopqrstuvwxyz123456.c2lnbmF0dXJl" }],
    ["an unsigned random bearer token", { authorization: "Bearer abcdefghijklmnopqrstuvwxyz123456" }],
    ["a non-bearer Authorization header", { authorization: "Basic dXNlcjpwYXNz" }],
    ["an empty bearer", { authorization: "Bearer " }],
  ])("%s means no session, never a 500", async (_label, headers) => {
    const session = await call("/api/auth/get-session", { headers });
    expect(session.status).toBe(200);
    expect(await session.json()).toBeNull();
    await expectJsonError(await call("/api/me", { headers }), 401, "UNAUTHORIZED");
  });

  it("a tampered signature on a real token is refused", async () => {
    const client = await signUp();
    const [token] = client.bearer.split(".");
    const forged = `${token}.${btoa("forged-signature-forged-signature")}`;
    expect((await getSession({ bearer: forged })).body).toBeNull();
  });
});

describe("failing storage", () => {
  const brokenKv = {
    get: () => Promise.reject(new Error("KV: network connection lost")),
    getWithMetadata: () => Promise.reject(new Error("KV: network connection lost")),
    put: () => Promise.reject(new Error("KV: network connection lost")),
    delete: () => Promise.reject(new Error("KV: network connection lost")),
  } as unknown as KVNamespace;
  const brokenD1 = {
    prepare: () => {
      throw new Error("D1_ERROR: Network connection lost.");
    },
    batch: () => Promise.reject(new Error("D1_ERROR: Network connection lost.")),
  } as unknown as D1Database;

  it("a KV outage on a protected route is a 503, not a silent anonymous request", async () => {
    const client = await signUp();
    const response = await callWith({ SESSION_KV: brokenKv }, "/api/me", { headers: { authorization: `Bearer ${client.bearer}` } });
    await expectJsonError(response, 503, "SERVICE_UNAVAILABLE");
  });

  it("a KV outage on get-session is a 503", async () => {
    const client = await signUp();
    const response = await callWith({ SESSION_KV: brokenKv }, "/api/auth/get-session", {
      headers: { authorization: `Bearer ${client.bearer}` },
    });
    await expectJsonError(response, 503, "SERVICE_UNAVAILABLE");
  });

  it("a D1 outage on a cold session check is a 503", async () => {
    const client = await signUp();
    await env.SESSION_KV.delete(`ba:v1:${client.bearer.split(".")[0]}`);
    const response = await callWith({ DB: brokenD1 }, "/api/me", { headers: { authorization: `Bearer ${client.bearer}` } });
    await expectJsonError(response, 503, "SERVICE_UNAVAILABLE");
  });

  it("a D1 outage on sign-in is a 503 and issues no session", async () => {
    const client = await signUp();
    const response = await callWith({ DB: brokenD1 }, "/api/auth/sign-in/email", {
      method: "POST",
      json: { email: client.email, password: PASSWORD },
    });
    await expectJsonError(response, 503, "SERVICE_UNAVAILABLE");
    expect(response.headers.get("set-auth-token")).toBeNull();
    expect(response.headers.getSetCookie().filter((c) => c.includes("session_token=") && !/Max-Age=0/i.test(c))).toEqual([]);
  });

  it("a KV outage during sign-out is a 503, not a success that leaves the token alive", async () => {
    const client = await signUp();
    const response = await callWith({ SESSION_KV: brokenKv }, "/api/auth/sign-out", {
      method: "POST",
      headers: { authorization: `Bearer ${client.bearer}` },
      json: {},
    });
    await expectJsonError(response, 503, "SERVICE_UNAVAILABLE");
    // The cookie is kept so the client can retry the sign-out.
    expect(response.headers.getSetCookie()).toEqual([]);
    // Once storage is back, the retry ends the session.
    const retry = await call("/api/auth/sign-out", { method: "POST", headers: { authorization: `Bearer ${client.bearer}` }, json: {} });
    expect(retry.status).toBe(200);
    expect((await getSession({ bearer: client.bearer })).body).toBeNull();
  });

  it("a D1 outage during sign-out is a 503", async () => {
    const client = await signUp();
    const response = await callWith({ DB: brokenD1 }, "/api/auth/sign-out", {
      method: "POST",
      headers: { authorization: `Bearer ${client.bearer}` },
      json: {},
    });
    await expectJsonError(response, 503, "SERVICE_UNAVAILABLE");
  });
});

describe("configuration", () => {
  it.each([
    ["a missing secret", { BETTER_AUTH_SECRET: "" }],
    ["a short secret", { BETTER_AUTH_SECRET: "too-short" }],
    // Better Auth reads BETTER_AUTH_SECRETS itself with no length check; the Worker checks every secret in it.
    ["a short secret among the versioned ones", { BETTER_AUTH_SECRETS: `2:${"n".repeat(32)},1:too-short` }],
    ["a versioned secret without its version", { BETTER_AUTH_SECRETS: "n".repeat(32) }],
    ["a version given twice", { BETTER_AUTH_SECRETS: `1:${"n".repeat(32)},1:${"o".repeat(32)}` }],
    ["an empty entry among the versioned secrets", { BETTER_AUTH_SECRETS: `1:${"n".repeat(32)},` }],
    ["a missing BASE_URL in production", { BASE_URL: "" }],
    ["an http BASE_URL in production", { BASE_URL: "http://auth.example.com" }],
    ["an unknown mail transport", { MAIL_TRANSPORT: "pigeon" }],
    ["the mail outbox in production", { ENVIRONMENT: "production", MAIL_TRANSPORT: "outbox" }],
    ["no sender for real mail", { MAIL_TRANSPORT: "send_email", MAIL_FROM: "" }],
    ["a malformed session lifetime", { SESSION_EXPIRES_IN: "a week" }],
    // Better Auth would read these as patterns (`https://*` trusts every https site); the CORS layer compares exactly.
    ["a wildcard trusted origin", { TRUSTED_ORIGINS: "https://*" }],
    ["a bare wildcard trusted origin", { TRUSTED_ORIGINS: "*" }],
    ["a subdomain pattern among the trusted origins", { TRUSTED_ORIGINS: "https://app.example.com,https://*.example.com" }],
    ["a trusted origin with a path", { TRUSTED_ORIGINS: "https://app.example.com/path" }],
    ["a null trusted origin", { TRUSTED_ORIGINS: "null" }],
    ["trusted origins Better Auth would read past the checks", { BETTER_AUTH_TRUSTED_ORIGINS: "https://*" }],
    ["an accent colour that is not #rrggbb", { ACCENT_COLOR: "blue" }],
    ["an accent colour with something after it", { ACCENT_COLOR: "#2563eb; background:url(x)" }],
    ["an app name too long to show", { APP_NAME: "n".repeat(65) }],
  ])("%s is a clear startup error", async (_label, overrides) => {
    const response = await callWith(overrides as Partial<Env>, "/api/auth/get-session");
    await expectJsonError(response, 500, "MISCONFIGURED");
  });

  it("reads versioned secrets current first, and BETTER_AUTH_SECRET alone as version 0", async () => {
    const { readConfig } = await import("../src/config");
    const [current, previous] = ["n".repeat(32), "o".repeat(40)];
    expect(readConfig({ ...env, BETTER_AUTH_SECRETS: ` 2:${current} , 1:${previous} ` }).secrets).toEqual([
      { version: 2, value: current },
      { version: 1, value: previous },
    ]);
    expect(readConfig({ ...env, BETTER_AUTH_SECRETS: " " }).secrets).toEqual([{ version: 0, value: env.BETTER_AUTH_SECRET }]);
  });

  it("takes plain origins, a trailing slash allowed", async () => {
    const { readConfig } = await import("../src/config");
    const config = readConfig({ ...env, TRUSTED_ORIGINS: " https://app.example.com , http://localhost:3000/ " });
    expect(config.trustedOrigins).toEqual(["https://app.example.com", "http://localhost:3000"]);
  });

  it("development needs no BASE_URL and follows the request's origin", async () => {
    const dev = { ENVIRONMENT: "development", BASE_URL: "" } as Partial<Env>;
    const email = `dev-${crypto.randomUUID()}@example.com`;
    const response = await callWith(dev, "http://localhost:8123/api/auth/sign-up/email", {
      method: "POST",
      headers: { origin: "http://localhost:8123" },
      json: { email, password: PASSWORD, name: "Dev" },
    });
    expect(response.status).toBe(200);
    const cookie = response.headers.getSetCookie().find((value) => value.includes("session_token="));
    expect(cookie).toMatch(/^better-auth\.session_token=/);
    expect(cookie).not.toMatch(/;\s*Secure/i);
  });

  it("reads the pages' name and accent colour, with defaults", async () => {
    const { readConfig } = await import("../src/config");
    expect(readConfig({ ...env, APP_NAME: " Acme ", ACCENT_COLOR: "#0A8" })).toMatchObject({ appName: "Acme", accentColor: "#00aa88" });
    expect(readConfig({ ...env, APP_NAME: "", ACCENT_COLOR: "" })).toMatchObject({ appName: "Edge Session", accentColor: "#2563eb" });
  });

  it("sends real mail by default", async () => {
    const { readConfig } = await import("../src/config");
    expect(readConfig({ ...env, MAIL_TRANSPORT: "" }).mailTransport).toBe("send_email");
  });
});
