import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { lockSeconds } from "../src/rate-limit/durable-object";
import { call, expireWindows, PASSWORD, randomIp, signUp, limiterFor as stub, uniqueEmail } from "./helpers";

describe("per-account lockout", () => {
  async function signInFrom(email: string, password: string) {
    return call("/api/auth/sign-in/email", { method: "POST", ip: randomIp(), json: { email, password } });
  }

  it("locks an account after 5 failures from many addresses, and the lock grows", async () => {
    const client = await signUp();
    for (let i = 0; i < 5; i++) expect((await signInFrom(client.email, "wrong password!")).status).toBe(401);
    const locked = await signInFrom(`  ${client.email.toUpperCase()} `, client.password);
    expect(locked.status).toBe(429);
    expect(await locked.json()).toEqual({ code: "TOO_MANY_ATTEMPTS", message: expect.any(String) });
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThanOrEqual(29);
    expect(Number(locked.headers.get("retry-after"))).toBeLessThanOrEqual(30);

    // After the lock has passed, one more failure locks it for twice as long.
    await expireWindows(`account:${client.email}`);
    await runInDurableObject(stub(`account:${client.email}`), (_instance, state) => {
      state.storage.sql.exec("UPDATE counters SET reset_at = ?, updated_at = ?", Date.now() + 86_400_000, Date.now() - 31_000);
    });
    expect((await signInFrom(client.email, "wrong password!")).status).toBe(401);
    const longer = await signInFrom(client.email, client.password);
    expect(longer.status).toBe(429);
    expect(Number(longer.headers.get("retry-after"))).toBeGreaterThanOrEqual(59);
    expect(Number(longer.headers.get("retry-after"))).toBeLessThanOrEqual(60);
  });

  it("answers the same for an account that does not exist", async () => {
    const client = await signUp();
    const ghost = uniqueEmail("ghost");
    const answers = [];
    for (const email of [client.email, ghost]) {
      for (let i = 0; i < 5; i++) await signInFrom(email, "wrong password!");
      const response = await signInFrom(email, "wrong password!");
      answers.push({ status: response.status, retryAfter: response.headers.get("retry-after"), body: await response.json() });
    }
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]?.status).toBe(429);
  });

  it("forgets failures after a successful sign-in", async () => {
    const client = await signUp();
    for (let i = 0; i < 4; i++) await signInFrom(client.email, "wrong password!");
    expect((await signInFrom(client.email, PASSWORD)).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await signInFrom(client.email, "wrong password!")).status).toBe(401);
    expect((await signInFrom(client.email, PASSWORD)).status).toBe(429);
  });

  it("does not count requests that never checked a password", async () => {
    const client = await signUp();
    for (let i = 0; i < 8; i++) {
      const response = await call("/api/auth/sign-in/email", { method: "POST", ip: randomIp(), json: { email: client.email } });
      expect(response.status).toBe(400);
    }
    expect((await signInFrom(client.email, PASSWORD)).status).toBe(200);
  });

  it("never admits more than the threshold to parallel guesses", async () => {
    const client = await signUp();
    const responses = await Promise.all(Array.from({ length: 12 }, () => signInFrom(client.email, "wrong password!")));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(7);
  });

  it("doubles the lock up to its maximum", () => {
    const policy = { threshold: 5, baseSeconds: 30, maxSeconds: 900 };
    expect([5, 6, 7, 8, 9, 10, 50].map((failures) => lockSeconds(failures, policy))).toEqual([30, 60, 120, 240, 480, 900, 900]);
  });
});

describe("lockout cannot be side-stepped", () => {
  async function fail(email: string) {
    const response = await call("/api/auth/sign-in/email", {
      method: "POST",
      ip: randomIp(),
      json: { email, password: "wrong password!" },
    });
    expect(response.status).toBe(401);
  }

  // Regression: every 403 used to count as a success and clear the failures.
  it.each([
    ["a bad callback URL", { json: { callbackURL: "https://evil.example.net/" }, headers: {} }],
    ["an untrusted origin", { json: {}, headers: { origin: "https://evil.example.net" } }],
  ])("a sign-in refused for %s does not clear the failures", async (_label, twist) => {
    const client = await signUp();
    for (let i = 0; i < 4; i++) await fail(client.email);
    const refused = await call("/api/auth/sign-in/email", {
      method: "POST",
      ip: randomIp(),
      headers: twist.headers,
      json: { email: client.email, password: "wrong password!", ...twist.json },
    });
    expect(refused.status).toBe(403);
    await fail(client.email);
    const locked = await call("/api/auth/sign-in/email", {
      method: "POST",
      ip: randomIp(),
      json: { email: client.email, password: PASSWORD },
    });
    expect(locked.status).toBe(429);
  });

  it.each([
    ["change-password", (password: string) => ({ currentPassword: password, newPassword: "a brand new passphrase" })],
    ["delete-user", (password: string) => ({ password })],
  ] as const)("%s counts wrong passwords against the account", async (route, body) => {
    const client = await signUp();
    const bearer = { authorization: `Bearer ${client.bearer}` };
    for (let i = 0; i < 5; i++) {
      const response = await call(`/api/auth/${route}`, { method: "POST", ip: randomIp(), headers: bearer, json: body("wrong password!") });
      expect(response.status).toBe(400);
    }
    const locked = await call(`/api/auth/${route}`, { method: "POST", ip: randomIp(), headers: bearer, json: body(PASSWORD) });
    expect(locked.status).toBe(429);
    expect(await locked.json()).toMatchObject({ code: "TOO_MANY_ATTEMPTS" });
    // The same account budget guards sign-in.
    const signIn = await call("/api/auth/sign-in/email", {
      method: "POST",
      ip: randomIp(),
      json: { email: client.email, password: PASSWORD },
    });
    expect(signIn.status).toBe(429);
  });

  it.each(["/verify-password", "/update-session", "/change-email", "/sign-in/social", "/list-accounts"])(
    "%s is not offered",
    async (path) => {
      const client = await signUp();
      const response = await call(`/api/auth${path}`, {
        method: path === "/list-accounts" ? "GET" : "POST",
        headers: { authorization: `Bearer ${client.bearer}` },
        json: path === "/list-accounts" ? undefined : { password: PASSWORD },
      });
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ code: "NOT_FOUND" });
    },
  );
});

describe("known devices (OWASP's device cookies)", () => {
  /** Signs in from a fresh address, as a browser (`cookie`) or an API client (`header`), with a device token if given. */
  function signInWith(email: string, password: string, device: { cookie?: string; token?: string; origin?: boolean } = {}) {
    const headers: Record<string, string> = {};
    if (device.origin) headers.origin = "https://auth.example.com";
    if (device.cookie) headers.cookie = device.cookie;
    if (device.token) headers["x-device-token"] = device.token;
    return call("/api/auth/sign-in/email", { method: "POST", ip: randomIp(), headers, json: { email, password } });
  }

  /** The device cookie a response sets, as `name=value`. */
  function deviceCookie(response: Response): string {
    const cookie = response.headers.getSetCookie().find((value) => value.includes("device_token="));
    if (!cookie) throw new Error("no device cookie");
    return cookie.split(";")[0]!;
  }

  /** Five wrong guesses from five addresses and no device: the account is locked for unknown devices. */
  async function lockOut(email: string) {
    for (let i = 0; i < 5; i++) expect((await signInWith(email, `wrong guess ${i}`)).status).toBe(401);
    expect((await signInWith(email, PASSWORD)).status).toBe(429);
  }

  it("hands a browser an HttpOnly __Host- device cookie, and an API client a device token, at sign-in", async () => {
    const client = await signUp();
    const browser = await signInWith(client.email, PASSWORD, { origin: true });
    const cookie = browser.headers.getSetCookie().find((value) => value.includes("device_token="))!;
    expect(cookie).toMatch(/^__Host-better-auth\.device_token=[^;]+/);
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*Secure/i);
    expect(cookie).toMatch(/;\s*Path=\//i);
    expect(browser.headers.get("set-device-token")).toBeNull();
    const apiClient = await signInWith(client.email, PASSWORD);
    expect(apiClient.headers.get("set-device-token")).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  });

  it("lets the owner sign in on a known device while guesses from elsewhere keep the account locked", async () => {
    const client = await signUp();
    const browser = deviceCookie(await signInWith(client.email, PASSWORD, { origin: true }));
    const app = (await signInWith(client.email, PASSWORD)).headers.get("set-device-token")!;
    await lockOut(client.email);
    expect((await signInWith(client.email, PASSWORD, { cookie: browser, origin: true })).status).toBe(200);
    expect((await signInWith(client.email, PASSWORD, { token: app })).status).toBe(200);
    // The owner's sign-ins did not reopen the account to guessing from elsewhere.
    expect((await signInWith(client.email, PASSWORD)).status).toBe(429);
  });

  it("of 100 wrong guesses from 100 addresses, at most the threshold reach the password check; the owner still signs in", async () => {
    const client = await signUp();
    const app = (await signInWith(client.email, PASSWORD)).headers.get("set-device-token")!;
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) statuses.push((await signInWith(client.email, `wrong guess ${i}`)).status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(95);
    expect((await signInWith(client.email, PASSWORD, { token: app })).status).toBe(200);
  });

  it("gives a known device a small failure budget of its own", async () => {
    const client = await signUp();
    const app = (await signInWith(client.email, PASSWORD)).headers.get("set-device-token")!;
    const other = (await signInWith(client.email, PASSWORD)).headers.get("set-device-token")!;
    expect(other).not.toBe(app);
    for (let i = 0; i < 5; i++) expect((await signInWith(client.email, `wrong guess ${i}`, { token: app })).status).toBe(401);
    expect((await signInWith(client.email, PASSWORD, { token: app })).status).toBe(429);
    // Neither unknown devices nor another known device are locked by it.
    expect((await signInWith(client.email, PASSWORD, { token: other })).status).toBe(200);
    expect((await signInWith(client.email, PASSWORD)).status).toBe(200);
  });

  it("counts a forged token, or one of another account, as an unknown device", async () => {
    const client = await signUp();
    const stranger = await signUp();
    const strangers = (await signInWith(stranger.email, PASSWORD)).headers.get("set-device-token")!;
    const own = (await signInWith(client.email, PASSWORD)).headers.get("set-device-token")!;
    const [nonce] = own.split(".");
    await lockOut(client.email);
    for (const token of [strangers, `${nonce}.forged-signature-forged-signature-forged`, `${nonce}`, "garbage"]) {
      expect((await signInWith(client.email, PASSWORD, { token })).status).toBe(429);
    }
    expect((await signInWith(client.email, PASSWORD, { token: own })).status).toBe(200);
  });
});
