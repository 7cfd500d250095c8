import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getRuntime } from "../src/runtime";
import { CHROME_MAC, type EventRow, eventsWhen, LISBON, NEW_YORK } from "./activity-helpers";
import { type Client, call, callIn, latestMail, PASSWORD, rawToken, sessionRow, signIn, signUp, uniqueEmail } from "./helpers";

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const post = (path: string, token: string, json: unknown = {}) => call(path, { method: "POST", headers: bearer(token), json });
const detailOf = (row: EventRow | undefined) => (row?.detail ? (JSON.parse(row.detail) as Record<string, unknown>) : null);
const ofType = (type: string) => (rows: EventRow[]) => rows.filter((row) => row.type === type);

async function sessionIdOf(credential: string): Promise<string> {
  const row = await sessionRow(rawToken(credential));
  if (!row) throw new Error("no such session");
  return row.id;
}

/** The session of the (first) event of `type`. */
async function sessionIdOfEvent(rows: EventRow[], type: string): Promise<string | null> {
  return rows.find((row) => row.type === type)?.session_id ?? null;
}

/** A user with a verified address, and the Worker with that address in ADMIN_EMAILS. */
async function signUpAdmin(): Promise<Client & { isolate: Env }> {
  const client = await signUp({ email: uniqueEmail("admin") });
  const mail = await latestMail(client.email, "verify-email");
  await call(`/api/auth/verify-email?token=${encodeURIComponent(mail.token)}`);
  return { ...client, isolate: { ...env, ADMIN_EMAILS: client.email } };
}

describe("where and on what a session lives", () => {
  it("records the request's cf properties and a device label on the session row", async () => {
    const client = await signUp({ userAgent: CHROME_MAC, cf: LISBON });
    const row = await env.DB.prepare("SELECT * FROM session WHERE token = ?").bind(rawToken(client.bearer)).first();
    expect(row).toMatchObject({
      country: "PT",
      region: "Lisbon",
      city: "Lisbon",
      colo: "LIS",
      timezone: "Europe/Lisbon",
      asn: 3243,
      as_organization: "MEO",
      device: "Chrome 131 on macOS",
    });
  });

  it("shows them in list-sessions, get-session and over RPC, for sign-in and re-authentication too", async () => {
    const client = await signUp({ userAgent: CHROME_MAC, cf: LISBON });
    const second = await signIn(client.email, PASSWORD, { userAgent: CHROME_MAC, cf: NEW_YORK });
    const expected = { country: "US", region: "New York", city: "New York", colo: "EWR", asn: 7922, asOrganization: "Comcast" };

    const listed = (await (await call("/api/auth/list-sessions", { headers: bearer(second.bearer) })).json()) as Record<string, unknown>[];
    expect(listed.find((session) => session.current)).toMatchObject({
      ...expected,
      timezone: "America/New_York",
      device: "Chrome 131 on macOS",
    });
    expect(listed.find((session) => !session.current)).toMatchObject({ country: "PT", city: "Lisbon" });

    const read = (await (await call("/api/auth/get-session", { headers: bearer(second.bearer) })).json()) as { session: object };
    expect(read.session).toMatchObject(expected);
    const validated = await exports.AuthService.validateHeaders({ authorization: `Bearer ${second.bearer}` });
    expect(validated?.session).toMatchObject(expected);

    const renewed = await call("/api/auth/reauthenticate", {
      method: "POST",
      headers: bearer(second.bearer),
      json: { password: PASSWORD },
      cf: LISBON,
    });
    const token = renewed.headers.get("set-auth-token") ?? "";
    expect(await sessionRow(rawToken(token))).toMatchObject({ city: "Lisbon" });
  });

  it("keeps the cf properties of a request whose body arrives without a length", async () => {
    const client = await signUp();
    const json = new TextEncoder().encode(JSON.stringify({ email: client.email, password: PASSWORD }));
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(json);
        controller.close();
      },
    });
    const response = await call("/api/auth/sign-in/email", {
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
      cf: NEW_YORK,
    });
    expect(response.status).toBe(200);
    expect(await sessionRow(rawToken(response.headers.get("set-auth-token") ?? ""))).toMatchObject({ country: "US", colo: "EWR" });
  });

  it("cannot be set by the client", async () => {
    const response = await call("/api/auth/sign-up/email", {
      method: "POST",
      json: { email: uniqueEmail(), password: PASSWORD, name: "N", country: "XX", device: "forged" },
      headers: { "cf-ipcountry": "XX", "user-agent": "curl/8.5.0" },
      cf: LISBON,
    });
    const token = response.headers.get("set-auth-token") ?? "";
    expect(await sessionRow(rawToken(token))).toMatchObject({ country: "PT", device: "curl 8" });
  });

  it("records nothing where Cloudflare gave nothing; auth.api calls record it when given the request", async () => {
    const client = await signUp();
    const row = await env.DB.prepare("SELECT country, city, device FROM session WHERE token = ?").bind(rawToken(client.bearer)).first();
    expect(row).toEqual({ country: null, city: null, device: null });

    const { auth } = getRuntime(env);
    const body = { email: client.email, password: PASSWORD };
    const headers = new Headers({ "cf-connecting-ip": "198.18.0.9", "user-agent": CHROME_MAC });
    const withHeaders = await auth.api.signInEmail({ body, headers });
    // Given the request, Better Auth answers with a Response, as auth.handler does.
    const request = new Request("https://auth.example.com/api/auth/sign-in/email", { method: "POST", headers, cf: LISBON });
    const withRequest = (await auth.api.signInEmail({ body, request })) as unknown as Response;
    expect(await sessionRow(rawToken(withHeaders.token))).toMatchObject({ country: null, device: "Chrome 131 on macOS" });
    expect(await sessionRow(rawToken(withRequest.headers.get("set-auth-token") ?? ""))).toMatchObject({
      country: "PT",
      device: "Chrome 131 on macOS",
    });
  });
});

describe("security events", () => {
  it("records sign-up, sign-in, a failed sign-in and sign-out, with where and on what", async () => {
    const client = await signUp({ userAgent: CHROME_MAC, cf: LISBON });
    const second = await signIn(client.email, PASSWORD, { userAgent: CHROME_MAC, cf: LISBON });
    await signIn(client.email, "not the password", { cf: NEW_YORK });
    // An empty body: the body-less request the plugin passes on keeps the cf properties.
    await call("/api/auth/sign-out", { method: "POST", headers: bearer(second.bearer), body: new Uint8Array(0), cf: NEW_YORK });
    const sessionId = await sessionIdOf(client.bearer);

    const rows = await eventsWhen(client.userId, (r) =>
      ["sign-up", "sign-in", "sign-in-failed", "sign-out"].every((t) => ofType(t)(r).length),
    );
    expect(ofType("sign-up")(rows)[0]).toMatchObject({
      session_id: sessionId,
      device: "Chrome 131 on macOS",
      country: "PT",
      city: "Lisbon",
    });
    expect(ofType("sign-in")(rows)[0]).toMatchObject({ device: "Chrome 131 on macOS", country: "PT" });
    const failed = ofType("sign-in-failed")(rows)[0];
    expect(failed).toMatchObject({ count: 1, country: "US" });
    expect(detailOf(failed)).toEqual({ reason: "INVALID_EMAIL_OR_PASSWORD" });
    expect(ofType("sign-out")(rows)).toEqual([
      expect.objectContaining({ session_id: await sessionIdOfEvent(rows, "sign-in"), country: "US" }),
    ]);
  });

  it("records who ended a session: the user, another session of the user, the cap", async () => {
    const client = await signUp();
    const other = await signIn(client.email);
    const third = await signIn(client.email);
    const [first = "", second = "", last = ""] = await Promise.all([client, other, third].map((c) => sessionIdOf(c.bearer)));
    await post("/api/auth/revoke-session", third.bearer, { token: `sh_${first}` });
    await post("/api/auth/revoke-session", third.bearer, { token: `sh_${last}` });
    // One session a user: the next sign-in ends the one left.
    await callIn({ ...env, SESSION_MAX_PER_USER: "1" }, "/api/auth/sign-in/email", {
      method: "POST",
      json: { email: client.email, password: PASSWORD },
    });

    const rows = await eventsWhen(client.userId, (r) => ofType("session-revoked")(r).length === 3);
    const by = Object.fromEntries(ofType("session-revoked")(rows).map((row) => [row.session_id, detailOf(row)]));
    expect(by[first]).toMatchObject({ by: "other-session", bySessionId: last });
    expect(by[last]).toMatchObject({ by: "user" });
    expect(by[second]).toMatchObject({ by: "cap" });
  });

  it("records password changes, resets (and the sessions they end), verified addresses and re-authentication", async () => {
    const client = await signUp();
    const link = await latestMail(client.email, "verify-email");
    await call(`/api/auth/verify-email?token=${encodeURIComponent(link.token)}`);
    const renewed = await post("/api/auth/reauthenticate", client.bearer, { password: PASSWORD });
    const token = renewed.headers.get("set-auth-token") ?? "";
    await post("/api/auth/change-password", token, { currentPassword: PASSWORD, newPassword: "another passphrase 1" });
    await call("/api/auth/request-password-reset", { method: "POST", json: { email: client.email } });
    const reset = await latestMail(client.email, "reset-password");
    expect(
      (await call("/api/auth/reset-password", { method: "POST", json: { token: reset.token, newPassword: "another one 2" } })).status,
    ).toBe(200);

    const types = ["email-verified", "reauthenticated", "password-changed", "password-reset"];
    const rows = await eventsWhen(
      client.userId,
      (r) => types.every((t) => ofType(t)(r).length) && ofType("session-revoked")(r).length === 2,
    );
    expect(detailOf(ofType("password-changed")(rows)[0])).toEqual({ otherSessionsEnded: false });
    expect(ofType("session-revoked")(rows).map((row) => detailOf(row)?.by)).toEqual(["reauthentication", "password-reset"]);
  });

  it("records a lockout, and an admin's actions with the admin's id", async () => {
    const admin = await signUpAdmin();
    const target = await signUp();
    for (let i = 0; i < 5; i++) await signIn(target.email, "wrong guess");
    const ban = await callIn(admin.isolate, "/api/auth/admin/ban-user", {
      method: "POST",
      headers: bearer(admin.bearer),
      json: { userId: target.userId },
    });
    expect(ban.status).toBe(200);

    const rows = await eventsWhen(target.userId, (r) =>
      ["lockout-started", "admin-action", "session-revoked"].every((t) => ofType(t)(r).length),
    );
    expect(detailOf(ofType("lockout-started")(rows)[0])).toMatchObject({ seconds: 30, failures: 5 });
    expect(detailOf(ofType("admin-action")(rows)[0])).toEqual({ action: "ban-user", adminId: admin.userId });
    expect(detailOf(ofType("session-revoked")(rows)[0])).toMatchObject({ by: "admin", adminId: admin.userId });
    // Five failures in the minute: written at the 1st, 2nd and 4th, so the row says 4.
    expect(ofType("sign-in-failed")(rows)).toEqual([expect.objectContaining({ count: 4 })]);
  });

  it("records nothing in D1 for an address without an account", async () => {
    const email = uniqueEmail("nobody");
    await signIn(email, "any guess");
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { results } = await env.DB.prepare("SELECT * FROM auth_event WHERE detail LIKE ? OR user_id IS NULL").bind(`%${email}%`).all();
    expect(results).toEqual([]);
  });
});
