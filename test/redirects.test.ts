/**
 * Redirect targets lead to this origin or a trusted one, and Better Auth
 * redirects to (and mails) the URL that was checked: for every field, in
 * bodies and queries, on success and error paths, over HTTP and through
 * `auth.api.*`. docs/security.md, "Redirect targets".
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { ErrorCode } from "../client/contract";
import { readOutbox } from "../src/mail";
import { getRuntime } from "../src/runtime";
import { callIn, latestMail, ORIGIN, PASSWORD, randomIp, settle, signUp, uniqueEmail } from "./helpers";

/** Targets that must be refused wherever they appear. */
const REFUSED: [kind: string, target: string][] = [
  ["dot segments", "/a/..//evil.example"],
  ["dot segments", "/.//evil.example"],
  ["dot segments", "/./../evil.example"],
  ["dot segments", "/..//evil.example"],
  ["dot segments", "https://auth.example.com/..//evil.example"],
  ["encoded dots", "/%2e%2e//evil.example"],
  ["encoded dots", "/a/%2E%2e//evil.example"],
  ["encoded slashes", "/%2F%2Fevil.example"],
  ["encoded slashes", "%2F%2Fevil.example"],
  ["encoded slashes", "/%5Cevil.example"],
  ["backslashes", "/\\evil.example"],
  ["backslashes", "\\\\evil.example"],
  ["backslashes", "/\\/evil.example"],
  ["backslashes", "/..\\evil.example"], // a `..` only a URL parser sees
  ["tabs and newlines", "/\t/evil.example"],
  ["tabs and newlines", "/\n/evil.example"],
  ["tabs and newlines", "\t//evil.example"],
  ["tabs and newlines", " //evil.example"],
  ["tabs and newlines", "/.\t./evil.example"], // a `..` only a URL parser sees
  ["user info", "https://auth.example.com@evil.example"],
  ["user info", "https://auth.example.com:443@evil.example/"],
  ["user info", "https://user@auth.example.com/"],
  ["scheme-relative", "//evil.example"],
  ["scheme-relative", "///evil.example"],
  ["other origins", "https://evil.example"],
  ["other origins", "evil.example"],
  ["other schemes", "javascript:alert(1)"],
  ["other schemes", "data:text/html,x"],
  ["other schemes", "http://auth.example.com"],
  ["other schemes", "ftp://auth.example.com"],
  ["look-alike hosts", "https://auth.example.com.evil.example"],
  ["look-alike hosts", "https://evil.example/auth.example.com"],
  ["look-alike hosts", "https://app.example.com.evil.example"],
  ["look-alike hosts", "https://evilauth.example.com"],
  ["IDN and odd hosts", "https://\u0430uth.example.com"], // Cyrillic а
  ["IDN and odd hosts", "https://xn--uth-5cd.example.com"], // the same, as Punycode
  ["IDN and odd hosts", "https://xn--uth-8cd.example.com"],
  ["IDN and odd hosts", "https://auth\u3002example\u3002com"], // ideographic full stops
  ["IDN and odd hosts", "https://AUTH.EXAMPLE.COM."],
  ["ports", "https://auth.example.com:8443"],
  ["ports", "https://app.example.com:8443/welcome"],
];

/** Targets that are accepted, with the absolute URL Better Auth then receives. */
const ACCEPTED: [target: string, resolved: string][] = [
  ["/account", `${ORIGIN}/account`],
  ["/a/../b", `${ORIGIN}/b`],
  ["https://auth.example.com/x", `${ORIGIN}/x`],
  ["https://app.example.com/welcome?x=1", "https://app.example.com/welcome?x=1"],
];

// Accepted targets on mail routes send mail to one inbox again and again.
const relaxed: Env = { ...env, RATE_LIMIT_MAIL: "1000/900" };
const api = () => getRuntime(relaxed).auth.api;

const post = (path: string, json: unknown, headers?: Record<string, string>) =>
  callIn(relaxed, `/api/auth/${path}`, { method: "POST", json, headers });
const get = (path: string) => callIn(relaxed, `/api/auth/${path}`);
const q = encodeURIComponent;

/** `url` with one query parameter set, as Better Auth adds `error` or `token` to a redirect. */
function withParam(url: string, name: string, value: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set(name, value);
  return parsed.href;
}

/** The target a mailed link carries, from the newest mail after `count` earlier ones. */
async function mailedTarget(email: string, kind: "verify-email" | "reset-password", count: number): Promise<string | null> {
  await settle(() => readOutbox(email, kind).length > count);
  const mail = readOutbox(email, kind).at(-1);
  return mail ? new URL(mail.url).searchParams.get("callbackURL") : null;
}

/** A user with a live verification token (address still unverified) and a live reset token. */
let user: { email: string; bearer: string; userId: string; verifyToken: string; resetToken: string };

beforeAll(async () => {
  const client = await signUp();
  const verifyToken = (await latestMail(client.email, "verify-email")).token;
  await post("request-password-reset", { email: client.email });
  const resetToken = (await latestMail(client.email, "reset-password")).token;
  user = { ...client, verifyToken, resetToken };
});

interface Probe {
  /** The code a refused target answers with. */
  code: ErrorCode;
  /** The status an accepted target answers with. */
  status: number;
  /** Sends `target`; `landed()` is where an accepted target leads (a `Location`, or a mailed link's target). */
  send(target: string): Promise<{ response: Response; landed?: () => Promise<string | null> }>;
  /** Where the resolved target should lead. */
  expected?(resolved: string): string;
}

/**
 * Every place a target can appear, on success and error paths. In this
 * order: send-verification-email needs the address unverified, and the
 * verify-email probes verify it.
 */
const PROBES: Record<string, Probe> = {
  "callbackURL on sign-up (mailed in the verification link)": {
    code: "INVALID_CALLBACK_URL",
    status: 200,
    async send(target) {
      const email = uniqueEmail("redirect");
      const response = await post("sign-up/email", { email, password: PASSWORD, name: "R", callbackURL: target });
      return { response, landed: () => mailedTarget(email, "verify-email", 0) };
    },
  },
  "callbackURL on sign-in": {
    code: "INVALID_CALLBACK_URL",
    status: 200,
    async send(target) {
      const response = await post("sign-in/email", { email: user.email, password: PASSWORD, callbackURL: target });
      const landed = async () => {
        // Better Auth's client navigates to `url`; the Location header says the same.
        const { url } = (await response.json()) as { url: string };
        expect(response.headers.get("location")).toBe(url);
        return url;
      };
      return { response, landed };
    },
  },
  "callbackURL on a failed sign-in": {
    code: "INVALID_CALLBACK_URL",
    status: 401,
    send: async (target) => ({ response: await post("sign-in/email", { email: uniqueEmail(), password: PASSWORD, callbackURL: target }) }),
  },
  "callbackURL in sign-in's query": {
    code: "INVALID_CALLBACK_URL",
    status: 401,
    send: async (target) => ({
      response: await post(`sign-in/email?callbackURL=${q(target)}`, { email: uniqueEmail(), password: PASSWORD }),
    }),
  },
  "errorCallbackURL on sign-in": {
    code: "INVALID_ERROR_CALLBACK_URL",
    status: 200,
    send: async (target) => ({
      response: await post("sign-in/email", { email: user.email, password: PASSWORD, errorCallbackURL: target }),
    }),
  },
  "newUserCallbackURL on sign-up": {
    code: "INVALID_NEW_USER_CALLBACK_URL",
    status: 200,
    send: async (target) => ({
      response: await post("sign-up/email", { email: uniqueEmail(), password: PASSWORD, name: "R", newUserCallbackURL: target }),
    }),
  },
  "callbackURL on send-verification-email (mailed)": {
    code: "INVALID_CALLBACK_URL",
    status: 200,
    async send(target) {
      const count = readOutbox(user.email, "verify-email").length;
      const response = await post(
        "send-verification-email",
        { email: user.email, callbackURL: target },
        { authorization: `Bearer ${user.bearer}` },
      );
      return { response, landed: () => mailedTarget(user.email, "verify-email", count) };
    },
  },
  "redirectTo on request-password-reset (mailed in the reset link)": {
    code: "INVALID_REDIRECT_URL",
    status: 200,
    async send(target) {
      const count = readOutbox(user.email, "reset-password").length;
      const response = await post("request-password-reset", { email: user.email, redirectTo: target });
      return { response, landed: () => mailedTarget(user.email, "reset-password", count) };
    },
  },
  "callbackURL on verify-email with a bad token": {
    code: "INVALID_CALLBACK_URL",
    status: 302,
    async send(target) {
      const response = await get(`verify-email?token=not-a-token&callbackURL=${q(target)}`);
      return { response, landed: async () => response.headers.get("location") };
    },
    expected: (resolved) => withParam(resolved, "error", "INVALID_TOKEN"),
  },
  "callbackURL on verify-email with a valid token": {
    code: "INVALID_CALLBACK_URL",
    status: 302,
    async send(target) {
      const response = await get(`verify-email?token=${q(user.verifyToken)}&callbackURL=${q(target)}`);
      return { response, landed: async () => response.headers.get("location") };
    },
  },
  "callbackURL on the reset link with a bad token": {
    code: "INVALID_CALLBACK_URL",
    status: 302,
    async send(target) {
      const response = await get(`reset-password/not-a-token?callbackURL=${q(target)}`);
      return { response, landed: async () => response.headers.get("location") };
    },
    expected: (resolved) => withParam(resolved, "error", "INVALID_TOKEN"),
  },
  "callbackURL on the reset link with a valid token": {
    code: "INVALID_CALLBACK_URL",
    status: 302,
    async send(target) {
      const response = await get(`reset-password/${user.resetToken}?callbackURL=${q(target)}`);
      return { response, landed: async () => response.headers.get("location") };
    },
    expected: (resolved) => withParam(resolved, "token", user.resetToken),
  },
};

describe.each(Object.entries(PROBES))("%s", (_name, probe) => {
  it.each(REFUSED)("refuses %s: %j", async (_kind, target) => {
    const { response } = await probe.send(target);
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 403,
      body: { code: probe.code, message: expect.any(String) },
    });
    expect(response.headers.get("location")).toBeNull();
  });

  it.each(ACCEPTED)("accepts %j as %s", async (target, resolved) => {
    const { response, landed } = await probe.send(target);
    expect(response.status).toBe(probe.status);
    if (landed) expect(await landed()).toBe(probe.expected ? probe.expected(resolved) : resolved);
  });
});

describe("a refused target", () => {
  it("leaves the address unverified", async () => {
    const client = await signUp();
    const { token } = await latestMail(client.email, "verify-email");
    const response = await get(`verify-email?token=${q(token)}&callbackURL=${q("/a/..//evil.example")}`);
    expect(response.status).toBe(403);
    const row = await env.DB.prepare('SELECT email_verified FROM "user" WHERE id = ?')
      .bind(client.userId)
      .first<{ email_verified: number }>();
    expect(row?.email_verified).toBe(0);
  });

  it("sends no mail", async () => {
    const count = readOutbox(user.email, "reset-password").length;
    expect((await post("request-password-reset", { email: user.email, redirectTo: "/.//evil.example" })).status).toBe(403);
    expect((await post("request-password-reset", { email: user.email, redirectTo: "/after" })).status).toBe(200);
    expect(await mailedTarget(user.email, "reset-password", count)).toBe(`${ORIGIN}/after`);
    expect(readOutbox(user.email, "reset-password")).toHaveLength(count + 1);
  });

  it("is refused when it is not a string, or one of several", async () => {
    const repeated = await get(`verify-email?token=x&callbackURL=%2Fa&callbackURL=${q("//evil.example")}`);
    expect([repeated.status, repeated.headers.get("location")]).toEqual([403, null]);
    // Better Auth's router refuses a number first (400); auth.api calls skip that check, and meet this one.
    expect((await post("request-password-reset", { email: user.email, redirectTo: 42 })).status).toBe(400);
    const direct = api().requestPasswordReset({ body: { email: user.email, redirectTo: 42 as unknown as string } });
    expect(await outcome(direct)).toEqual({ status: 403, code: "INVALID_REDIRECT_URL", location: null });
  });
});

/** The APIError an `auth.api` call rejects with, as `{ status, code, location }`. */
async function outcome(call: Promise<unknown>) {
  const error = (await call.then(
    () => null,
    (thrown: unknown) => thrown,
  )) as { statusCode?: number; body?: { code?: unknown }; headers?: Headers } | null;
  return { status: error?.statusCode ?? 200, code: error?.body?.code, location: new Headers(error?.headers).get("location") };
}

describe("through auth.api, without a request", () => {
  const headers = () => new Headers({ "cf-connecting-ip": randomIp() });

  it.each(REFUSED)("refuses %s: %j", async (_kind, target) => {
    const refusals = await Promise.all([
      outcome(api().verifyEmail({ headers: headers(), query: { token: user.verifyToken, callbackURL: target } })),
      outcome(
        api().requestPasswordResetCallback({ headers: headers(), params: { token: user.resetToken }, query: { callbackURL: target } }),
      ),
      outcome(api().requestPasswordReset({ headers: headers(), body: { email: user.email, redirectTo: target } })),
      outcome(api().signInEmail({ headers: headers(), body: { email: uniqueEmail(), password: PASSWORD, callbackURL: target } })),
    ]);
    expect(refusals).toEqual([
      { status: 403, code: "INVALID_CALLBACK_URL", location: null },
      { status: 403, code: "INVALID_CALLBACK_URL", location: null },
      { status: 403, code: "INVALID_REDIRECT_URL", location: null },
      { status: 403, code: "INVALID_CALLBACK_URL", location: null },
    ]);
  });

  it.each(ACCEPTED)("accepts %j as %s", async (target, resolved) => {
    const reset = await outcome(
      api().requestPasswordResetCallback({ headers: headers(), params: { token: "not-a-token" }, query: { callbackURL: target } }),
    );
    expect(reset).toEqual({ status: 302, code: undefined, location: withParam(resolved, "error", "INVALID_TOKEN") });
    const count = readOutbox(user.email, "reset-password").length;
    await api().requestPasswordReset({ headers: headers(), body: { email: user.email, redirectTo: target } });
    expect(await mailedTarget(user.email, "reset-password", count)).toBe(resolved);
  });
});

describe("in development", () => {
  it("resolves against the request's origin", async () => {
    const development = { ...env, ENVIRONMENT: "development", BASE_URL: "" };
    const local = () => getRuntime(development).auth.api;
    const headers = new Headers({ host: "localhost:8801", "cf-connecting-ip": randomIp() });
    const reset = (callbackURL: string) =>
      outcome(local().requestPasswordResetCallback({ headers, params: { token: "not-a-token" }, query: { callbackURL } }));
    expect(await reset("/a/../b")).toEqual({ status: 302, code: undefined, location: "http://localhost:8801/b?error=INVALID_TOKEN" });
    expect(await reset("/a/..//evil.example")).toEqual({ status: 403, code: "INVALID_CALLBACK_URL", location: null });
    expect(await reset("https://auth.example.com/x")).toEqual({ status: 403, code: "INVALID_CALLBACK_URL", location: null });
  });
});
