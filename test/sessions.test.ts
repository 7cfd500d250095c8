import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  call,
  editCachedSession,
  getSession,
  kvHasSession,
  ORIGIN,
  PASSWORD,
  rawToken,
  sessionCookie,
  sessionRow,
  signIn,
  signUp,
  uniqueEmail,
} from "./helpers";

describe("sign-up", () => {
  it("gives a cookie session and a bearer token for the new user", async () => {
    const client = await signUp();
    expect(client.cookie).toMatch(/^__Host-better-auth\.session_token=/);
    expect(client.bearer).toMatch(/^[A-Za-z0-9]+\.[A-Za-z0-9+/=]+$/);
    const { body } = await getSession({ cookie: client.cookie });
    expect(body?.user.email).toBe(client.email);
  });

  it("stores the session in D1 and caches it in KV", async () => {
    const client = await signUp();
    const token = rawToken(client.cookie);
    expect(await sessionRow(token)).toMatchObject({ user_id: client.userId });
    expect(await kvHasSession(token)).toBe(true);
  });

  it("refuses a second account for the same email", async () => {
    const client = await signUp();
    const response = await call("/api/auth/sign-up/email", {
      method: "POST",
      json: { email: client.email.toUpperCase(), password: "another password 123", name: "Twin" },
    });
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ code: "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL" });
  });
});

describe("sign-in", () => {
  it("issues a new token on every sign-in", async () => {
    const client = await signUp();
    const first = await signIn(client.email);
    const second = await signIn(client.email);
    expect(first.response.status).toBe(200);
    expect(second.response.status).toBe(200);
    const tokens = new Set([rawToken(client.cookie), rawToken(first.cookie), rawToken(second.cookie)]);
    expect(tokens.size).toBe(3);
    expect(first.bearer).not.toBe(second.bearer);
  });

  it("refuses a wrong password without saying whether the account exists", async () => {
    const client = await signUp();
    const wrong = await signIn(client.email, "not the password");
    const unknown = await signIn("nobody-here@example.com", "not the password");
    expect(wrong.response.status).toBe(401);
    expect(unknown.response.status).toBe(401);
    expect(await wrong.response.json()).toEqual(await unknown.response.json());
    expect(wrong.cookie).toBe("");
  });
});

describe("get-session", () => {
  it("answers by cookie and by bearer token", async () => {
    const client = await signUp();
    const byCookie = await getSession({ cookie: client.cookie });
    const byBearer = await getSession({ bearer: client.bearer });
    expect(byCookie.body?.user.id).toBe(client.userId);
    expect(byBearer.body?.user.id).toBe(client.userId);
    expect(byBearer.body?.session.id).toBe(byCookie.body?.session.id);
  });

  it("puts the same signed bearer token in the sign-in body and in set-auth-token", async () => {
    const client = await signUp();
    const response = await call("/api/auth/sign-in/email", { method: "POST", json: { email: client.email, password: client.password } });
    const { token } = (await response.json()) as { token: string };
    expect(token).toBe(response.headers.get("set-auth-token"));
    expect((await getSession({ bearer: token })).body?.user.id).toBe(client.userId);
  });

  it("refuses an unsigned raw token as a bearer token", async () => {
    const client = await signUp();
    expect((await getSession({ bearer: rawToken(client.bearer) })).body).toBeNull();
  });

  it("does not echo the session token to scripts", async () => {
    const client = await signUp();
    const { body } = await getSession({ cookie: client.cookie });
    expect(body?.session).not.toHaveProperty("token");
    expect(JSON.stringify(body)).not.toContain(rawToken(client.cookie));
  });

  it("is served at /api/auth/session exactly like get-session", async () => {
    const client = await signUp();
    const alias = await call("/api/auth/session", { headers: { authorization: `Bearer ${client.bearer}` } });
    const original = await getSession({ bearer: client.bearer });
    expect(alias.status).toBe(200);
    expect(await alias.json()).toEqual(original.body);
    expect(alias.headers.get("cache-control")).toBe("no-store");
    const anonymous = await call("/api/auth/session");
    expect(anonymous.status).toBe(200);
    expect(await anonymous.json()).toBeNull();
  });

  it("marks session answers as not cacheable", async () => {
    const client = await signUp();
    const { response } = await getSession({ cookie: client.cookie });
    expect(response.headers.get("cache-control")).toBe("no-store");
  });
});

describe("cookies", () => {
  it("are __Host- prefixed, HttpOnly, SameSite=Lax, Path=/, Secure and without Domain under https", async () => {
    const response = await call("/api/auth/sign-up/email", {
      method: "POST",
      json: { email: `cookie-${crypto.randomUUID()}@example.com`, password: "correct horse battery staple", name: "C" },
    });
    const cookie = response.headers.getSetCookie().find((value) => value.includes("session_token="));
    expect(cookie).toBeDefined();
    const attributes = cookie!.split(";").map((part) => part.trim().toLowerCase());
    expect(attributes[0]).toMatch(/^__host-better-auth\.session_token=/);
    expect(attributes).toContain("httponly");
    expect(attributes).toContain("samesite=lax");
    expect(attributes).toContain("path=/");
    expect(attributes).toContain("secure");
    expect(attributes.some((attribute) => attribute.startsWith("domain="))).toBe(false);
  });
});

describe("list-sessions", () => {
  it("shows each session's IP address and user agent", async () => {
    const client = await signUp({ ip: "198.51.100.7" });
    await signIn(client.email, client.password, { ip: "2001:db8::42", userAgent: "TestPhone/1.0" });
    const response = await call("/api/auth/list-sessions", { headers: { cookie: client.cookie } });
    expect(response.status).toBe(200);
    const sessions = (await response.json()) as { ipAddress: string; userAgent: string }[];
    expect(sessions).toHaveLength(2);
    // IPv6 addresses are stored in full, expanded form.
    expect(sessions.map((s) => s.ipAddress).sort()).toEqual(["198.51.100.7", "2001:0db8:0000:0000:0000:0000:0000:0042"]);
    expect(sessions.map((s) => s.userAgent)).toContain("TestPhone/1.0");
  });

  it("lists sessions with a handle in place of their token", async () => {
    const client = await signUp();
    const other = await signIn(client.email);
    const response = await call("/api/auth/list-sessions", { headers: { authorization: `Bearer ${client.bearer}` } });
    const text = await response.text();
    const sessions = JSON.parse(text) as { id: string; token: string }[];
    expect(sessions).toHaveLength(2);
    for (const session of sessions) expect(session.token).toBe(`sh_${session.id}`);
    expect(text).not.toContain(rawToken(client.bearer));
    expect(text).not.toContain(rawToken(other.bearer));
  });

  it("takes the client address from cf-connecting-ip only", async () => {
    const email = `spoof-${crypto.randomUUID()}@example.com`;
    const response = await call("/api/auth/sign-up/email", {
      method: "POST",
      ip: "192.0.2.55",
      headers: { "x-forwarded-for": "10.9.9.9", "x-real-ip": "10.8.8.8" },
      json: { email, password: "correct horse battery staple", name: "S" },
    });
    const row = await sessionRow(rawToken(response.headers.get("set-auth-token")!));
    expect(row?.ip_address).toBe("192.0.2.55");
  });
});

describe("/api/me", () => {
  it("returns the user and session with a cookie or a bearer token", async () => {
    const client = await signUp();
    const variants: Record<string, string>[] = [{ cookie: client.cookie }, { authorization: `Bearer ${client.bearer}` }];
    for (const headers of variants) {
      const response = await call("/api/me", { headers });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { user: { id: string; email: string }; session: Record<string, unknown> };
      expect(body.user).toMatchObject({ id: client.userId, email: client.email });
      expect(body.session).toMatchObject({ userId: client.userId });
      expect(body.session).not.toHaveProperty("token");
      expect(response.headers.get("cache-control")).toBe("no-store");
    }
  });

  it("answers 401 with a JSON error and WWW-Authenticate without a session", async () => {
    const response = await call("/api/me");
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(await response.json()).toEqual({ code: "UNAUTHORIZED", message: expect.any(String) });
  });
});

describe("session renewal", () => {
  /** Moves a session's expiry, in D1 and in its KV copy, as if it had been used `ms` before expiring. */
  async function expireIn(token: string, ms: number): Promise<number> {
    const expiresAt = Date.now() + ms;
    await editCachedSession(token, (copy) => {
      copy.session.expiresAt = new Date(expiresAt).toISOString();
    });
    await env.DB.prepare("UPDATE session SET expires_at = ? WHERE token = ?").bind(expiresAt, token).run();
    return expiresAt;
  }

  it.each(["/api/auth/get-session", "/api/me"])("%s extends a session used after a day and renews its cookie", async (path) => {
    const client = await signUp();
    const token = rawToken(client.bearer);
    await expireIn(token, 5 * 86_400_000);

    const response = await call(path, { headers: { cookie: client.cookie } });
    expect(response.status).toBe(200);
    const renewed = response.headers.getSetCookie().find((value) => value.includes("session_token="));
    expect(renewed).toMatch(/Max-Age=604800/);
    const row = await sessionRow(token);
    expect(row!.expires_at).toBeGreaterThan(Date.now() + 6.9 * 86_400_000);
  });

  it("does not extend the session when asked not to", async () => {
    const client = await signUp();
    const token = rawToken(client.bearer);
    const fiveDays = await expireIn(token, 5 * 86_400_000);
    const response = await call("/api/auth/get-session?disableRefresh=true", { headers: { cookie: client.cookie } });
    expect(response.status).toBe(200);
    expect((await sessionRow(token))!.expires_at).toBe(fiveDays);
  });
});

describe("bearer tokens and browsers", () => {
  it("a browser signing in gets the HttpOnly cookie and no token a script could read", async () => {
    const client = await signUp();
    const response = await call("/api/auth/sign-in/email", {
      method: "POST",
      headers: { origin: ORIGIN },
      json: { email: client.email, password: client.password },
    });
    expect(response.status).toBe(200);
    expect(sessionCookie(response)).toBeDefined();
    expect(response.headers.get("set-auth-token")).toBeNull();
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).not.toHaveProperty("token");
    expect(body).toHaveProperty("user");
  });

  it("an API client signs up and in without Origin, whatever Sec-Fetch headers it sends", async () => {
    const fetchMetadata = { "sec-fetch-mode": "cors", "sec-fetch-site": "cross-site", "sec-fetch-dest": "empty" };
    const email = uniqueEmail("node");
    const signedUp = await call("/api/auth/sign-up/email", {
      method: "POST",
      headers: fetchMetadata,
      json: { email, password: PASSWORD, name: "Node" },
    });
    expect(signedUp.status).toBe(200);
    const signedIn = await call("/api/auth/sign-in/email", { method: "POST", headers: fetchMetadata, json: { email, password: PASSWORD } });
    expect(signedIn.status).toBe(200);
    expect((await getSession({ bearer: signedIn.headers.get("set-auth-token") ?? "" })).body?.user.email).toBe(email);
  });

  it("a cross-site navigation to sign-in is refused, with or without Origin", async () => {
    const client = await signUp();
    for (const origin of [{ origin: "https://evil.example" }, {}] as Record<string, string>[]) {
      const response = await call("/api/auth/sign-in/email", {
        method: "POST",
        headers: { ...origin, "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate", "sec-fetch-dest": "document" },
        json: { email: client.email, password: PASSWORD },
      });
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ code: "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED" });
      expect(sessionCookie(response)).toBeUndefined();
    }
  });

  it("a page that asks for a bearer token gets one", async () => {
    const client = await signUp();
    const response = await call("/api/auth/sign-in/email", {
      method: "POST",
      headers: { origin: "https://app.example.com", "x-auth-mode": "bearer" },
      json: { email: client.email, password: client.password },
    });
    const token = response.headers.get("set-auth-token");
    expect(token).toMatch(/\./);
    expect(((await response.json()) as { token: string }).token).toBe(token);
    expect((await getSession({ bearer: token! })).body?.user.id).toBe(client.userId);
  });

  it("change-password never returns the raw session token", async () => {
    const client = await signUp();
    const response = await call("/api/auth/change-password", {
      method: "POST",
      headers: { authorization: `Bearer ${client.bearer}` },
      json: { currentPassword: client.password, newPassword: "another passphrase 1", revokeOtherSessions: true },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { token: string };
    expect(body.token).toBe(response.headers.get("set-auth-token"));
    expect(body.token).toContain(".");
  });

  it("a dead cookie is cleared by get-session, every cookie of it", async () => {
    const client = await signUp();
    await call("/api/auth/sign-out", { method: "POST", headers: { authorization: `Bearer ${client.bearer}` }, json: {} });
    const response = await call("/api/auth/get-session", { headers: { cookie: client.cookie } });
    expect(await response.json()).toBeNull();
    const cleared = response.headers.getSetCookie();
    expect(cleared.some((value) => /session_token=;/.test(value) && /Max-Age=0/i.test(value))).toBe(true);
  });
});

describe("CORS", () => {
  it("lets a trusted front end call the API from the browser", async () => {
    const preflight = await call("/api/auth/sign-in/email", {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(preflight.headers.get("access-control-allow-credentials")).toBe("true");
  });

  it("does not open the API to other origins", async () => {
    const preflight = await call("/api/auth/sign-in/email", {
      method: "OPTIONS",
      headers: { origin: "https://evil.example.net", "access-control-request-method": "POST" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
  });
});
