/**
 * Better Auth's own client (`better-auth/client`) with the Worker's client
 * plugin, driven against the Worker in workerd: what a user of the client
 * sees, as an API client (Node, Deno or Bun's fetch: `Sec-Fetch-*` headers,
 * no `Origin`, a bearer token) and as a browser (an `Origin`, the cookie).
 */
import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createAuthClient } from "better-auth/client";
import { describe, expect, it } from "vitest";
import { edgeSessionClient } from "../client/auth-client";
import { KV_PREFIX } from "../src/sessions/kv-storage";
import { editCachedSession, ORIGIN, PASSWORD, randomIp, rawToken, sessionRow, uniqueEmail } from "./helpers";

const DAY_MS = 24 * 60 * 60 * 1000;

/** The headers Node's, Deno's and Bun's fetch send with every request. */
const FETCH_METADATA = { "sec-fetch-mode": "cors", "sec-fetch-site": "cross-site", "sec-fetch-dest": "empty" } as const;

interface Transport {
  /** Sets these headers on every request (an `Origin`, other `Sec-Fetch-*` values). */
  headers?: Record<string, string>;
  /** Keeps the cookies the Worker sets and sends them back, as a browser does. */
  jar?: Map<string, string>;
  /** The headers of every request sent, for assertions on what went over the wire. */
  sent?: Headers[];
}

/**
 * A `customFetchImpl` that sends the client's requests to the Worker under
 * test, from a fresh address, with the fetch metadata headers Node's fetch
 * sends, and (given a jar) with the cookies the Worker set.
 */
function workerFetch(transport: Transport = {}): typeof fetch {
  const ip = randomIp();
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    // Fetch metadata on every request; the client's headers, then a call's own, over it.
    const headers = new Headers({ ...FETCH_METADATA, ...transport.headers });
    new Headers(init?.headers).forEach((value, name) => {
      headers.set(name, value);
    });
    headers.set("cf-connecting-ip", ip);
    if (transport.jar && transport.jar.size > 0) {
      headers.set("cookie", [...transport.jar].map(([name, value]) => `${name}=${value}`).join("; "));
    }
    // Only what a fetch sends: not `credentials`, nor better-fetch's own options.
    const request = new Request(url, { method: init?.method, headers, body: init?.body ?? null, redirect: "manual" });
    transport.sent?.push(new Headers(headers));
    const response = await SELF.fetch(request);
    if (transport.jar) keepCookies(transport.jar, response);
    return response;
  };
}

/** Stores the cookies a response sets in `jar`, and drops those it deletes (`Max-Age=0`). */
function keepCookies(jar: Map<string, string>, response: Response): void {
  for (const line of response.headers.getSetCookie()) {
    const [pair = "", ...attributes] = line.split(";").map((part) => part.trim());
    const at = pair.indexOf("=");
    const name = pair.slice(0, at);
    const value = pair.slice(at + 1);
    const deleted = value === "" || attributes.some((attribute) => /^max-age=(0|-\d+)$/i.test(attribute));
    if (deleted) jar.delete(name);
    else jar.set(name, value);
  }
}

/**
 * An API client as the Better Auth docs show it: no `Origin`, no cookies,
 * the signed token from `set-auth-token` sent back as `Authorization: Bearer`.
 */
function apiClient(transport: Transport = {}) {
  let token: string | undefined;
  const client = createAuthClient({
    baseURL: ORIGIN,
    plugins: [edgeSessionClient()],
    fetchOptions: {
      customFetchImpl: workerFetch(transport),
      auth: { type: "Bearer", token: () => token },
      onSuccess: (ctx) => {
        const issued = ctx.response.headers.get("set-auth-token");
        if (issued) token = issued;
      },
    },
  });
  return {
    client,
    /** The bearer token the client holds, if any. */
    token: () => token,
    /** Replaces the bearer token the client sends. */
    useToken: (value: string | undefined) => {
      token = value;
    },
  };
}

/** A browser on the Worker's own origin: sends `Origin`, keeps its cookies in `jar`. */
function browserClient(options: { origin?: string; site?: string; jar?: Map<string, string>; sent?: Headers[] } = {}) {
  const jar = options.jar ?? new Map<string, string>();
  const headers: Record<string, string> = { "sec-fetch-site": options.site ?? "same-origin" };
  if (options.origin !== "") headers.origin = options.origin ?? ORIGIN;
  const client = createAuthClient({
    baseURL: ORIGIN,
    plugins: [edgeSessionClient()],
    fetchOptions: { customFetchImpl: workerFetch({ headers, jar, sent: options.sent }) },
  });
  return { client, jar };
}

/** A signed-up API client, signed in with its bearer token. */
async function signedUpApiClient() {
  const email = uniqueEmail("client");
  const api = apiClient();
  const { data, error } = await api.client.signUp.email({ email, password: PASSWORD, name: "Client User" });
  expect(error).toBeNull();
  expect(api.token()).toBeTruthy();
  return { ...api, email, userId: data!.user.id, sessionId: await sessionIdOf(api.token()) };
}

/** Signs `email` in from a new API client (another device). */
async function anotherDevice(email: string) {
  const api = apiClient();
  const { error } = await api.client.signIn.email({ email, password: PASSWORD });
  expect(error).toBeNull();
  return api;
}

/** `value` signed with the Worker's secret as Better Auth signs tokens (`<value>.<base64 HMAC-SHA-256>`). */
async function signedWithSecret(value: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(env.BETTER_AUTH_SECRET),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(value)));
  return `${value}.${btoa(String.fromCharCode(...mac))}`;
}

/** The session id behind a bearer token, from D1. */
async function sessionIdOf(bearer: string | undefined): Promise<string> {
  const row = await sessionRow(rawToken(bearer ?? ""));
  if (!row) throw new Error("no session row for this token");
  return row.id;
}

describe("an API client (Sec-Fetch-Mode: cors, no Origin)", () => {
  it("signs up and gets a signed bearer token in set-auth-token and in the body", async () => {
    const sent: Headers[] = [];
    const api = apiClient({ sent });
    const email = uniqueEmail("api-sign-up");
    let header: string | null = null;
    const { data, error } = await api.client.signUp.email(
      { email, password: PASSWORD, name: "Api Client" },
      {
        onSuccess: (ctx) => {
          header = ctx.response.headers.get("set-auth-token");
        },
      },
    );
    expect(error).toBeNull();
    expect(data?.user.email).toBe(email);
    expect(header).toMatch(/^[A-Za-z0-9]+\.[A-Za-z0-9+/=_-]+$/);
    expect(data?.token).toBe(header);
    // It went out as Node's fetch sends it.
    expect(sent[0]?.get("sec-fetch-mode")).toBe("cors");
    expect(sent[0]?.has("origin")).toBe(false);
    expect(sent[0]?.has("cookie")).toBe(false);
  });

  it("signs in and gets a signed bearer token in set-auth-token and in the body", async () => {
    const { email } = await signedUpApiClient();
    const sent: Headers[] = [];
    const api = apiClient({ sent });
    const { data, error } = await api.client.signIn.email({ email, password: PASSWORD });
    expect(error).toBeNull();
    expect(api.token()).toMatch(/^[A-Za-z0-9]+\.[A-Za-z0-9+/=_-]+$/);
    expect(data?.token).toBe(api.token());
    expect(await sessionRow(rawToken(api.token()!))).not.toBeNull();
    expect((await api.client.getSession()).data?.user.email).toBe(email);
    // The session check went out as the Better Auth docs have it: the bearer token, fetch metadata, no Origin.
    expect(sent.at(-1)?.get("authorization")).toBe(`Bearer ${api.token()}`);
    expect(sent.at(-1)?.get("sec-fetch-mode")).toBe("cors");
    expect(sent.at(-1)?.has("origin")).toBe(false);
  });

  it("is told a wrong password as { code, message } in error", async () => {
    const { email } = await signedUpApiClient();
    const api = apiClient();
    const { data, error } = await api.client.signIn.email({ email, password: "not the password" });
    expect(data).toBeNull();
    expect(error).toMatchObject({ status: 401, code: "INVALID_EMAIL_OR_PASSWORD" });
    expect(error?.message).toEqual(expect.any(String));
    expect(api.token()).toBeUndefined();
  });

  it("gets its session with the bearer token, without the session's token", async () => {
    const api = await signedUpApiClient();
    const { data, error } = await api.client.getSession();
    expect(error).toBeNull();
    expect(data?.user).toMatchObject({ id: api.userId, email: api.email });
    expect(data?.session.userId).toBe(api.userId);
    expect(data?.session.id).toBe(await sessionIdOf(api.token()));
    expect(data?.session).not.toHaveProperty("token");
  });

  it("gets its session without the session's token also when Better Auth reads it from D1 (no KV copy)", async () => {
    const api = await signedUpApiClient();
    const token = rawToken(api.token()!);
    await env.SESSION_KV.delete(KV_PREFIX + token);
    const { data, error } = await api.client.getSession();
    expect(error).toBeNull();
    expect(data?.session.id).toBe(api.sessionId);
    expect(data?.session).not.toHaveProperty("token");
    expect(JSON.stringify(data)).not.toContain(token);
  });

  it("lists its live sessions, each with a handle (sh_<id>) in token", async () => {
    const api = await signedUpApiClient();
    const other = await anotherDevice(api.email);
    const { data: sessions, error } = await api.client.listSessions();
    expect(error).toBeNull();
    expect(sessions).toHaveLength(2);
    const ids = [await sessionIdOf(api.token()), await sessionIdOf(other.token())];
    expect(sessions!.map((session) => session.id).sort()).toEqual([...ids].sort());
    for (const session of sessions!) {
      expect(session.token).toBe(`sh_${session.id}`);
      expect(session.userId).toBe(api.userId);
    }
    // No credential in the answer.
    const raw = [rawToken(api.token()!), rawToken(other.token()!)];
    expect(JSON.stringify(sessions)).not.toContain(raw[0]);
    expect(JSON.stringify(sessions)).not.toContain(raw[1]);
  });

  it("revokes another session with revokeSession({ token }) and a listed handle", async () => {
    const api = await signedUpApiClient();
    const other = await anotherDevice(api.email);
    const otherId = await sessionIdOf(other.token());
    const { data: sessions } = await api.client.listSessions();
    const target = sessions!.find((session) => session.id === otherId)!;

    const { data, error } = await api.client.revokeSession({ token: target.token });
    expect(error).toBeNull();
    expect(data).toEqual({ status: true });

    expect((await other.client.getSession()).data).toBeNull();
    expect(await sessionRow(rawToken(other.token()!))).toBeNull();
    const { data: after } = await api.client.listSessions();
    expect(after!.map((session) => session.id)).toEqual([await sessionIdOf(api.token())]);
    expect((await api.client.getSession()).data?.user.id).toBe(api.userId);
  });

  it("revokes another session with revokeSession({ id })", async () => {
    const api = await signedUpApiClient();
    const other = await anotherDevice(api.email);
    const { data, error } = await api.client.revokeSession({ id: await sessionIdOf(other.token()) });
    expect(error).toBeNull();
    expect(data).toEqual({ status: true });
    expect((await other.client.getSession()).data).toBeNull();
    expect((await api.client.getSession()).data?.user.id).toBe(api.userId);
  });

  it("cannot revoke another user's session: 404 SESSION_NOT_FOUND, a typed error code", async () => {
    // `$ERROR_CODES` exists only in types (Better Auth's client has no runtime value for it): the plugin's codes are in them.
    const api = await signedUpApiClient();
    const stranger = await signedUpApiClient();
    const { data: theirs } = await stranger.client.listSessions();
    const { data, error } = await api.client.revokeSession({ token: theirs![0]!.token });
    expect(data).toBeNull();
    expect(error?.status).toBe(404);
    const notFound: (typeof api.client.$ERROR_CODES)["SESSION_NOT_FOUND"]["code"] = "SESSION_NOT_FOUND";
    expect(error?.code).toBe(notFound);
    expect(error?.message).toEqual(expect.any(String));
    expect((await stranger.client.getSession()).data?.user.id).toBe(stranger.userId);
  });

  it("cannot authenticate with a handle, as a bearer token or as a cookie, even signed with the secret", async () => {
    const api = await signedUpApiClient();
    // Signing as below is how the Worker's own credentials are made.
    expect(await signedWithSecret(rawToken(api.token()!))).toBe(api.token());
    const { data: sessions } = await api.client.listSessions();
    const handle = sessions![0]!.token;
    expect(handle).toMatch(/^sh_/);

    for (const credential of [handle, await signedWithSecret(handle)]) {
      const thief = apiClient();
      thief.useToken(credential);
      expect((await thief.client.getSession()).data).toBeNull();
      const listed = await thief.client.listSessions();
      expect(listed.data).toBeNull();
      expect(listed.error?.status).toBe(401);
      const revoked = await thief.client.revokeOtherSessions();
      expect(revoked.error?.status).toBe(401);

      const browser = browserClient({ jar: new Map([["__Host-better-auth.session_token", encodeURIComponent(credential)]]) });
      expect((await browser.client.getSession()).data).toBeNull();
      expect((await browser.client.listSessions()).error?.status).toBe(401);
      expect((await browser.client.revokeOtherSessions()).error?.status).toBe(401);
    }

    // The session itself is untouched.
    expect((await api.client.getSession()).data?.user.id).toBe(api.userId);
    expect((await api.client.listSessions()).data).toHaveLength(1);
  });

  it("revokes its other sessions with revokeOtherSessions()", async () => {
    const api = await signedUpApiClient();
    const second = await anotherDevice(api.email);
    const third = await anotherDevice(api.email);
    const { data, error } = await api.client.revokeOtherSessions();
    expect(error).toBeNull();
    expect(data).toEqual({ status: true });
    expect((await second.client.getSession()).data).toBeNull();
    expect((await third.client.getSession()).data).toBeNull();
    expect((await api.client.getSession()).data?.user.id).toBe(api.userId);
    const { data: sessions } = await api.client.listSessions();
    expect(sessions).toHaveLength(1);
  });

  it("revokes all its sessions with revokeSessions()", async () => {
    const api = await signedUpApiClient();
    const other = await anotherDevice(api.email);
    const { data, error } = await api.client.revokeSessions();
    expect(error).toBeNull();
    expect(data).toEqual({ status: true });
    expect((await other.client.getSession()).data).toBeNull();
    expect((await api.client.getSession()).data).toBeNull();
  });

  it("cannot revoke from a session ended in D1 whose KV copy is still there: revoking confirms the session in D1", async () => {
    const api = await signedUpApiClient();
    const other = await anotherDevice(api.email);
    // Read once, so this isolate has confirmed the copy (the cached read that get-session may use within the bound).
    expect((await api.client.getSession()).data?.user.id).toBe(api.userId);
    await env.DB.prepare("DELETE FROM session WHERE token = ?").bind(rawToken(api.token()!)).run();

    const { data, error } = await api.client.revokeOtherSessions();
    expect(data).toBeNull();
    expect(error?.status).toBe(401);
    expect((await api.client.revokeSession({ id: await sessionIdOf(other.token()) })).error?.status).toBe(401);
    expect((await other.client.getSession()).data?.user.id).toBe(api.userId);
  });

  it("changes its password, revoking other sessions, and gets a fresh signed token", async () => {
    const api = await signedUpApiClient();
    const other = await anotherDevice(api.email);
    const before = api.token()!;
    const newPassword = "a brand new passphrase 42";
    let header: string | null = null;
    const { data, error } = await api.client.changePassword(
      { currentPassword: PASSWORD, newPassword, revokeOtherSessions: true },
      {
        onSuccess: (ctx) => {
          header = ctx.response.headers.get("set-auth-token");
        },
      },
    );
    expect(error).toBeNull();
    expect(data?.token).toMatch(/^[A-Za-z0-9]+\.[A-Za-z0-9+/=_-]+$/);
    expect(data?.token).toBe(header);
    expect(data?.token).not.toBe(before);
    expect(api.token()).toBe(data?.token);

    // The new token works; the other device is signed out.
    expect((await api.client.getSession()).data?.user.id).toBe(api.userId);
    expect((await other.client.getSession()).data).toBeNull();

    // Only the new password signs in.
    const oldPassword = await apiClient().client.signIn.email({ email: api.email, password: PASSWORD });
    expect(oldPassword.error).toMatchObject({ status: 401, code: "INVALID_EMAIL_OR_PASSWORD" });
    const fresh = apiClient();
    expect((await fresh.client.signIn.email({ email: api.email, password: newPassword })).error).toBeNull();
  });

  it("refuses a password change with the wrong current password", async () => {
    const api = await signedUpApiClient();
    const { data, error } = await api.client.changePassword({ currentPassword: "not the password", newPassword: "another passphrase 99" });
    expect(data).toBeNull();
    expect(error).toMatchObject({ status: 400, code: "INVALID_PASSWORD" });
  });

  it("signs out: the token then gets no session", async () => {
    const api = await signedUpApiClient();
    const token = api.token()!;
    const { data, error } = await api.client.signOut();
    expect(error).toBeNull();
    expect(data).toEqual({ success: true });
    expect((await api.client.getSession()).data).toBeNull();
    expect(await sessionRow(rawToken(token))).toBeNull();
  });

  it("lists sessions from a session created two days ago, and revokes one by handle once it re-authenticates", async () => {
    const api = await signedUpApiClient();
    const other = await anotherDevice(api.email);
    const twoDaysAgo = Date.now() - 2 * DAY_MS;
    const token = rawToken(api.token()!);
    const update = await env.DB.prepare("UPDATE session SET created_at = ? WHERE token = ?").bind(twoDaysAgo, token).run();
    expect(update.meta.changes).toBe(1);
    // The KV copy too: session reads use it once D1 confirms the session is live.
    await editCachedSession(token, (copy) => {
      (copy.session as { createdAt?: string }).createdAt = new Date(twoDaysAgo).toISOString();
    });

    const { data: sessions, error } = await api.client.listSessions();
    expect(error).toBeNull();
    expect(sessions).toHaveLength(2);
    const mine = sessions!.find((session) => session.id === api.sessionId);
    expect(new Date(mine!.createdAt).getTime()).toBe(twoDaysAgo);

    expect(mine).toMatchObject({ current: true });

    // Ending another session needs a recent authentication; the password renews this session's token.
    const otherId = await sessionIdOf(other.token());
    const handle = sessions!.find((session) => session.id === otherId)!.token;
    const stale = await api.client.revokeSession({ token: handle });
    expect(stale.error).toMatchObject({ status: 403, code: "REAUTHENTICATION_REQUIRED" });
    const before = api.token();
    const reauthenticated = await api.client.reauthenticate({ password: PASSWORD });
    expect(reauthenticated.error).toBeNull();
    expect(api.token()).not.toBe(before);
    const revoked = await api.client.revokeSession({ token: handle });
    expect(revoked.error).toBeNull();
    expect(revoked.data).toEqual({ status: true });
    expect((await other.client.getSession()).data).toBeNull();
  });
});

describe("a browser (Origin, HttpOnly cookie)", () => {
  it("signs in with a cookie and no bearer token, then gets and lists its session, and signs out", async () => {
    const email = uniqueEmail("browser");
    const { error: signUpError } = await apiClient().client.signUp.email({ email, password: PASSWORD, name: "Browser User" });
    expect(signUpError).toBeNull();

    const sent: Headers[] = [];
    const browser = browserClient({ sent });
    let bearerHeader: string | null = "unset";
    let setCookie: string[] = [];
    const { data, error } = await browser.client.signIn.email(
      { email, password: PASSWORD },
      {
        onSuccess: (ctx) => {
          bearerHeader = ctx.response.headers.get("set-auth-token");
          setCookie = ctx.response.headers.getSetCookie();
        },
      },
    );
    expect(error).toBeNull();
    expect(data?.user.email).toBe(email);
    expect(data).not.toHaveProperty("token");
    expect(bearerHeader).toBeNull();
    const cookie = setCookie.find((line) => line.startsWith("__Host-better-auth.session_token="));
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*Secure/i);
    expect(cookie).toMatch(/;\s*Path=\//i);
    expect(browser.jar.has("__Host-better-auth.session_token")).toBe(true);
    expect(sent[0]?.get("origin")).toBe(ORIGIN);

    const session = await browser.client.getSession();
    expect(session.error).toBeNull();
    expect(session.data?.user.email).toBe(email);
    expect(session.data?.session).not.toHaveProperty("token");
    // The request carried the cookie, not a bearer token.
    expect(sent.at(-1)?.get("cookie")).toContain("__Host-better-auth.session_token=");
    expect(sent.at(-1)?.has("authorization")).toBe(false);

    const listed = await browser.client.listSessions();
    expect(listed.error).toBeNull();
    expect(listed.data).toHaveLength(2);
    expect(listed.data!.map((entry) => entry.token)).toContain(`sh_${session.data?.session.id}`);

    const signedOut = await browser.client.signOut();
    expect(signedOut.error).toBeNull();
    expect(signedOut.data).toEqual({ success: true });
    expect(browser.jar.has("__Host-better-auth.session_token")).toBe(false);
    expect((await browser.client.getSession()).data).toBeNull();
  });

  it("signs in and out from a trusted app origin (same-site), with the cookie only", async () => {
    const api = await signedUpApiClient();
    const browser = browserClient({ origin: "https://app.example.com", site: "same-site" });
    let bearerHeader: string | null = "unset";
    const { data, error } = await browser.client.signIn.email(
      { email: api.email, password: PASSWORD },
      {
        onSuccess: (ctx) => {
          bearerHeader = ctx.response.headers.get("set-auth-token");
        },
      },
    );
    expect(error).toBeNull();
    expect(data).not.toHaveProperty("token");
    expect(bearerHeader).toBeNull();
    expect((await browser.client.getSession()).data?.user.id).toBe(api.userId);
    expect((await browser.client.signOut()).error).toBeNull();
    expect((await browser.client.getSession()).data).toBeNull();
  });

  it("revokes one of its sessions by handle with its cookie", async () => {
    const api = await signedUpApiClient();
    const browser = browserClient();
    expect((await browser.client.signIn.email({ email: api.email, password: PASSWORD })).error).toBeNull();
    const { data: sessions } = await browser.client.listSessions();
    const apiId = await sessionIdOf(api.token());
    const { data, error } = await browser.client.revokeSession({ token: sessions!.find((session) => session.id === apiId)!.token });
    expect(error).toBeNull();
    expect(data).toEqual({ status: true });
    expect((await api.client.getSession()).data).toBeNull();
    expect((await browser.client.getSession()).data?.user.email).toBe(api.email);
  });

  it("refuses a cookie-carrying POST from an untrusted Origin: 403 INVALID_ORIGIN", async () => {
    const api = await signedUpApiClient();
    const jar = new Map<string, string>();
    const browser = browserClient({ jar });
    expect((await browser.client.signIn.email({ email: api.email, password: PASSWORD })).error).toBeNull();

    const evil = browserClient({ origin: "https://evil.example", site: "cross-site", jar: new Map(jar) });
    const { data, error } = await evil.client.revokeOtherSessions();
    expect(data).toBeNull();
    expect(error).toMatchObject({ status: 403, code: "INVALID_ORIGIN" });
    const signOut = await evil.client.signOut();
    expect(signOut.error).toMatchObject({ status: 403, code: "INVALID_ORIGIN" });

    // Nothing was revoked.
    expect((await api.client.getSession()).data?.user.id).toBe(api.userId);
    expect((await browser.client.getSession()).data?.user.id).toBe(api.userId);
  });

  it("refuses a cookie-carrying POST without an Origin: 403 MISSING_OR_NULL_ORIGIN", async () => {
    const api = await signedUpApiClient();
    const jar = new Map<string, string>();
    const browser = browserClient({ jar });
    expect((await browser.client.signIn.email({ email: api.email, password: PASSWORD })).error).toBeNull();

    const noOrigin = browserClient({ origin: "", site: "cross-site", jar: new Map(jar) });
    const { data, error } = await noOrigin.client.revokeOtherSessions();
    expect(data).toBeNull();
    expect(error).toMatchObject({ status: 403, code: "MISSING_OR_NULL_ORIGIN" });
    const signIn = await noOrigin.client.signIn.email({ email: api.email, password: PASSWORD });
    expect(signIn.error).toMatchObject({ status: 403, code: "MISSING_OR_NULL_ORIGIN" });

    expect((await api.client.getSession()).data?.user.id).toBe(api.userId);
  });

  it("refuses a cross-site navigation POST to sign-in without a cookie (login CSRF)", async () => {
    const api = await signedUpApiClient();
    const before = await api.client.listSessions();
    const attacker = browserClient({ origin: "https://evil.example", site: "cross-site" });
    let setCookie: string[] = [];
    const { data, error } = await attacker.client.signIn.email(
      { email: api.email, password: PASSWORD },
      {
        headers: { "sec-fetch-mode": "navigate", "sec-fetch-dest": "document" },
        onError: (ctx) => {
          setCookie = ctx.response.headers.getSetCookie();
        },
      },
    );
    expect(data).toBeNull();
    expect(error).toMatchObject({ status: 403, code: "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED" });
    expect(setCookie).toEqual([]);
    expect(attacker.jar.size).toBe(0);
    const after = await api.client.listSessions();
    expect(after.data).toHaveLength(before.data!.length);
  });

  it("refuses a cross-site fetch to sign-in and sign-up without a cookie: 403 INVALID_ORIGIN", async () => {
    const api = await signedUpApiClient();
    const attacker = browserClient({ origin: "https://evil.example", site: "cross-site" });
    const signIn = await attacker.client.signIn.email({ email: api.email, password: PASSWORD });
    expect(signIn.data).toBeNull();
    expect(signIn.error).toMatchObject({ status: 403, code: "INVALID_ORIGIN" });
    const signUp = await attacker.client.signUp.email({ email: uniqueEmail("csrf"), password: PASSWORD, name: "Planted" });
    expect(signUp.error).toMatchObject({ status: 403, code: "INVALID_ORIGIN" });
    expect(attacker.jar.size).toBe(0);
    expect((await api.client.listSessions()).data).toHaveLength(1);
  });
});
