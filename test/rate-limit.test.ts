import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readOutbox } from "../src/mail";
import { clientKey, NO_ADDRESS_KEY, networkKeys, normaliseAddress } from "../src/rate-limit/client-key";
import { recipientKey } from "../src/rate-limit/keys";
import { call, callWith, expireWindows, PASSWORD, randomIp, settle, signUp, limiterFor as stub, uniqueEmail, wrapBinding } from "./helpers";

/** A sign-in with a wrong password for a fresh email (no account lockout involved). */
function guess(ip: string, headers: Record<string, string> = {}) {
  return call("/api/auth/sign-in/email", {
    method: "POST",
    ip,
    headers,
    json: { email: uniqueEmail("guess"), password: "wrong password!" },
  });
}

describe("client keys", () => {
  it.each([
    ["192.0.2.1", "192.0.2.1"],
    [" 192.0.2.1 ", "192.0.2.1"],
    ["::ffff:192.0.2.1", "192.0.2.1"],
    ["::ffff:c000:0201", "192.0.2.1"],
    ["2001:db8:1:2::1", "2001:db8:1:2::/64"],
    ["2001:0DB8:0001:0002:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"],
    ["[2001:db8::1]", "2001:db8:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
  ])("normalises %s to %s", (input, expected) => {
    expect(normaliseAddress(input)).toBe(expected);
  });

  it.each(["", "unknown", "999.1.1.1", "1.2.3", "01.2.3.4", "2001:db8::1::2", "2001:db8:zz::1", "1:2:3:4:5:6:7:8:9"])(
    "rejects %j",
    (input) => {
      expect(normaliseAddress(input)).toBeNull();
    },
  );

  it("comes from cf-connecting-ip only", () => {
    const spoofed = { "x-forwarded-for": "10.0.0.1", "x-real-ip": "10.0.0.2", "true-client-ip": "10.0.0.3" };
    expect(clientKey(new Headers({ ...spoofed, "cf-connecting-ip": "192.0.2.9" }))).toBe("ip:192.0.2.9");
    expect(clientKey(new Headers(spoofed))).toBe(NO_ADDRESS_KEY);
    expect(clientKey(new Headers({ "cf-connecting-ip": "garbage" }))).toBe(NO_ADDRESS_KEY);
  });
});

describe("per-address limits", () => {
  it("allows 10 credential requests a minute, then answers 429 with the headers", async () => {
    const ip = randomIp();
    for (let i = 0; i < 10; i++) {
      const response = await guess(ip);
      expect(response.status).toBe(401);
      expect(response.headers.get("ratelimit-limit")).toBe("10");
      expect(response.headers.get("ratelimit-remaining")).toBe(String(9 - i));
      expect(Number(response.headers.get("ratelimit-reset"))).toBeGreaterThan(0);
      expect(Number(response.headers.get("ratelimit-reset"))).toBeLessThanOrEqual(60);
      expect(response.headers.get("ratelimit-policy")).toBe("10;w=60");
    }
    const limited = await guess(ip);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(limited.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    expect(limited.headers.get("ratelimit-remaining")).toBe("0");
    expect(await limited.json()).toEqual({ code: "RATE_LIMITED", message: expect.any(String) });
    // Another address is not affected.
    expect((await guess(randomIp())).status).toBe(401);
  });

  it("starts counting again once the window has passed", async () => {
    const ip = randomIp();
    for (let i = 0; i < 10; i++) await guess(ip);
    expect((await guess(ip)).status).toBe(429);
    await expireWindows(`ip:${ip}`);
    const again = await guess(ip);
    expect(again.status).toBe(401);
    expect(again.headers.get("ratelimit-remaining")).toBe("9");
  });

  it("never admits more than the limit to parallel requests", async () => {
    const ip = randomIp();
    const responses = await Promise.all(Array.from({ length: 30 }, () => guess(ip)));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status !== 429)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(20);
  });

  it("ignores x-forwarded-for, x-real-ip and true-client-ip", async () => {
    const ip = randomIp();
    for (let i = 0; i < 10; i++) {
      await guess(ip, { "x-forwarded-for": randomIp(), "x-real-ip": randomIp(), "true-client-ip": randomIp() });
    }
    const limited = await guess(ip, {
      "x-forwarded-for": "203.0.113.200",
      "x-real-ip": "203.0.113.201",
      "true-client-ip": "203.0.113.202",
    });
    expect(limited.status).toBe(429);
  });

  it("counts addresses inside one IPv6 /64 together", async () => {
    const group = () => ((Math.random() * 0xffff) | 0).toString(16);
    const prefix = `2001:db8:${group()}:${group()}`;
    for (let i = 0; i < 10; i++) expect((await guess(`${prefix}::${(i + 1).toString(16)}`)).status).toBe(401);
    expect((await guess(`${prefix}:ffff:ffff:ffff:ffff`)).status).toBe(429);
    expect((await guess(`2001:db8:ffff:fffe::1`)).status).toBe(401);
  });

  it("gives requests without an address a strict bucket of their own", async () => {
    const first = await guess("");
    expect(first.status).toBe(401);
    expect(first.headers.get("ratelimit-limit")).toBe("1");
    expect((await guess("")).status).toBe(429);
    expect((await guess("not-an-ip")).status).toBe(429);
    // Clients with an address are not in that bucket.
    expect((await guess(randomIp())).status).toBe(401);
  });

  it("applies the looser limit to the other auth routes", async () => {
    const client = await signUp();
    const response = await call("/api/auth/list-sessions", { headers: { authorization: `Bearer ${client.bearer}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get("ratelimit-limit")).toBe("600");
    expect(response.headers.get("ratelimit-policy")).toBe("600;w=60");
  });

  it("does not count session reads", async () => {
    const client = await signUp();
    const ip = randomIp();
    for (const path of ["/api/auth/get-session", "/api/auth/session"]) {
      const response = await call(path, { ip, headers: { authorization: `Bearer ${client.bearer}` } });
      expect(response.status).toBe(200);
      expect(response.headers.get("ratelimit-limit")).toBeNull();
    }
    const state = await runInDurableObject(stub(`ip:${ip}`), (_instance, objectState) =>
      objectState.storage.sql.exec("SELECT count(*) AS n FROM counters").one(),
    );
    expect(state.n).toBe(0);
  });

  it("deletes expired counters with its alarm", async () => {
    const ip = randomIp();
    await guess(ip);
    await expireWindows(`ip:${ip}`);
    expect(await runDurableObjectAlarm(stub(`ip:${ip}`))).toBe(true);
    // The object keeps working after it has wiped itself.
    expect((await guess(ip)).status).toBe(401);
    await expireWindows(`ip:${ip}`);
    expect(await runDurableObjectAlarm(stub(`ip:${ip}`))).toBe(true);
    const left = await runInDurableObject(stub(`ip:${ip}`), (_instance, state) =>
      state.storage.sql.exec("SELECT count(*) AS n FROM counters").one(),
    );
    expect(left.n).toBe(0);
  });

  it("can be turned off", async () => {
    const ip = randomIp();
    for (let i = 0; i < 12; i++) {
      const response = await callWith({ RATE_LIMIT_ENABLED: "false" }, "/api/auth/sign-in/email", {
        method: "POST",
        headers: { "cf-connecting-ip": ip },
        json: { email: uniqueEmail("off"), password: "wrong password!" },
      });
      expect(response.status).toBe(401);
      expect(response.headers.get("ratelimit-limit")).toBeNull();
    }
  });
});

describe("per-network limits on credential routes", () => {
  /** A wrong sign-in from `ip`, in an environment whose network budget is 3 per minute. */
  const strict = { RATE_LIMIT_NETWORK: "3/60" };
  const guessFrom = (ip: string) =>
    callWith(strict, "/api/auth/sign-in/email", { method: "POST", ip, json: { email: uniqueEmail("net"), password: "wrong password!" } });
  const statuses = async (ips: string[]) => {
    const out: number[] = [];
    for (const ip of ips) out.push((await guessFrom(ip)).status);
    return out;
  };
  /** A random 16-bit group, as hex. */
  const group = () => (crypto.getRandomValues(new Uint16Array(1))[0] ?? 0).toString(16);

  it.each([
    ["203.0.113.77", ["net:203.0.113.0/24"]],
    ["::ffff:203.0.113.77", ["net:203.0.113.0/24"]],
    ["2001:db8:1:2a3::1", ["net:2001:db8:1:200::/56", "net:2001:db8:1::/48"]],
    ["[2001:db8:1:ff::]", ["net:2001:db8:1:0::/56", "net:2001:db8:1::/48"]],
    ["garbage", []],
  ])("puts %s in the networks %j", (ip, keys) => {
    expect(networkKeys(new Headers({ "cf-connecting-ip": ip })).map((network) => network.key)).toEqual(keys);
  });

  it("counts the addresses of one IPv4 /24 together", async () => {
    const net = `198.19.${crypto.getRandomValues(new Uint8Array(1))[0]}`;
    expect(await statuses([1, 2, 3, 4].map((host) => `${net}.${host}`))).toEqual([401, 401, 401, 429]);
  });

  it("counts the /64s of one IPv6 /56 together", async () => {
    const prefix = `2001:db8:${group()}:${group().slice(0, 2).padStart(2, "0")}`;
    expect(await statuses(["01", "02", "03", "04"].map((low) => `${prefix}${low}::1`))).toEqual([401, 401, 401, 429]);
  });

  it("counts the /56s of one IPv6 /48 together, with four times the budget", async () => {
    const prefix = `2001:db8:${group()}`;
    // Twelve /56s, one guess each, use up the /48's 4 x 3; the thirteenth is refused.
    const ips = Array.from({ length: 13 }, (_, i) => `${prefix}:${(i + 1).toString(16)}00::1`);
    const answers = await statuses(ips);
    expect(answers.slice(0, 12)).toEqual(Array(12).fill(401));
    expect(answers[12]).toBe(429);
  });
});

describe("per-recipient mail limits", () => {
  const resetFor = (email: string) => call("/api/auth/request-password-reset", { method: "POST", json: { email, redirectTo: "/reset" } });

  async function expectTooManyEmails(response: Response) {
    expect(response.status).toBe(429);
    expect(await response.json()).toEqual({ code: "TOO_MANY_EMAILS", message: expect.any(String) });
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(response.headers.get("retry-after"))).toBeLessThanOrEqual(900);
    // The recipient's count is not disclosed.
    expect(response.headers.get("ratelimit-remaining")).toBeNull();
  }

  it("sends at most 3 mails to one inbox per 15 minutes, however many client addresses ask", async () => {
    const client = await signUp(); // the sign-up's verification mail is the first
    const resets = () => readOutbox(client.email, "reset-password").length;
    for (let i = 0; i < 2; i++) expect((await resetFor(client.email)).status).toBe(200);
    expect(await settle(() => resets() === 2)).toBe(true);

    // A fourth, from yet another address, in another spelling of the same address, and through the other mail route.
    await expectTooManyEmails(await resetFor(`  ${client.email.toUpperCase()} `));
    await expectTooManyEmails(await call("/api/auth/send-verification-email", { method: "POST", json: { email: client.email } }));
    expect(await settle(() => resets() > 2, 200)).toBe(false);
    expect(readOutbox(client.email, "verify-email").length).toBe(1);

    // Other recipients are not affected; the inbox is served again once the window has passed.
    expect((await resetFor(uniqueEmail())).status).toBe(200);
    await expireWindows(recipientKey(client.email));
    expect((await resetFor(client.email)).status).toBe(200);
  });

  it("counts +tags (and Gmail's dots) against the inbox they deliver to, sign-ups included", async () => {
    const [local, domain] = uniqueEmail("inbox").split("@");
    for (let i = 1; i <= 3; i++) expect((await resetFor(`${local}+${i}@${domain}`)).status).toBe(200);
    await expectTooManyEmails(await resetFor(`${local}@${domain}`));
    await expectTooManyEmails(
      await call("/api/auth/sign-up/email", { method: "POST", json: { email: `${local}+new@${domain}`, password: PASSWORD, name: "N" } }),
    );

    expect(recipientKey("Victim+Newsletter@Example.com")).toBe("mail:victim@example.com");
    expect(recipientKey("v.i.c.t.i.m+x@GoogleMail.com")).toBe("mail:victim@gmail.com");
    expect(recipientKey("first.last@example.com")).toBe("mail:first.last@example.com");
  });

  it("limits an address without an account the same way, so the answer does not tell whether it has one", async () => {
    const email = uniqueEmail("nobody");
    for (let i = 0; i < 3; i++) expect((await resetFor(email)).status).toBe(200);
    expect((await resetFor(email)).status).toBe(429);
  });

  it("counts a signed-in user's own verification mail too: squatting an address buys no extra mail", async () => {
    // Someone signs up with an address that is not theirs and asks for mail to it as its "owner".
    const squatter = await signUp();
    const asOwner = () =>
      call("/api/auth/send-verification-email", {
        method: "POST",
        headers: { authorization: `Bearer ${squatter.bearer}` },
        json: { email: squatter.email },
      });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await asOwner()).status);
    // The sign-up's mail was the first of three.
    expect(statuses).toEqual([200, 200, 429, 429, 429, 429]);
    expect(await settle(() => readOutbox(squatter.email, "verify-email").length >= 3)).toBe(true);
    expect(await settle(() => readOutbox(squatter.email, "verify-email").length > 3, 200)).toBe(false);
  });

  it("counts mail a signed-in user asks for against that user, whatever the addresses", async () => {
    const client = await signUp();
    const asUser = (email: string) =>
      call("/api/auth/request-password-reset", { method: "POST", headers: { authorization: `Bearer ${client.bearer}` }, json: { email } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await asUser(uniqueEmail("other"))).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    // The same addresses, asked for by nobody in particular, are not held back by that user's count.
    expect((await resetFor(uniqueEmail("other"))).status).toBe(200);
  });

  it("fails closed when the limiter cannot count the recipient", async () => {
    const email = uniqueEmail("down");
    const real = env.RATE_LIMITER;
    const recipientsDown = wrapBinding(real, {
      get: ((id: DurableObjectId) =>
        id.equals(real.idFromName(recipientKey(email)))
          ? { consume: () => Promise.reject(new Error("Network connection lost.")) }
          : real.get(id)) as typeof real.get,
    });
    const response = await callWith({ RATE_LIMITER: recipientsDown }, "/api/auth/request-password-reset", {
      method: "POST",
      json: { email },
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ code: "RATE_LIMITER_UNAVAILABLE", message: expect.any(String) });
  });
});

describe("when the Durable Object is unreachable", () => {
  const broken = {
    idFromName: (name: string) => env.RATE_LIMITER.idFromName(name),
    get: () => ({
      consume: () => Promise.reject(new Error("Durable Object reset because its code was updated.")),
      beginAttempt: () => Promise.reject(new Error("Durable Object reset because its code was updated.")),
      settleAttempt: () => Promise.reject(new Error("Durable Object reset because its code was updated.")),
    }),
  } as unknown as Env["RATE_LIMITER"];

  it("fails closed on credential routes", async () => {
    const client = await signUp();
    for (const [path, json] of [
      ["/api/auth/sign-in/email", { email: client.email, password: PASSWORD }],
      ["/api/auth/sign-up/email", { email: uniqueEmail(), password: PASSWORD, name: "N" }],
      ["/api/auth/request-password-reset", { email: client.email }],
    ] as const) {
      const response = await callWith({ RATE_LIMITER: broken }, path, { method: "POST", json });
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ code: "RATE_LIMITER_UNAVAILABLE", message: expect.any(String) });
    }
  });

  it("keeps session management up on the other routes", async () => {
    const client = await signUp();
    const response = await callWith({ RATE_LIMITER: broken }, "/api/auth/list-sessions", {
      headers: { authorization: `Bearer ${client.bearer}` },
    });
    expect(response.status).toBe(200);
  });
});
