import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createDb } from "../src/db/client";
import { getRuntime } from "../src/runtime";
import { SESSIONS_NOT_BEFORE, signOutSessionsBefore } from "../src/sessions/liveness";
import {
  ageSession,
  type Client,
  call,
  callIn,
  getSession,
  latestMail,
  PASSWORD,
  randomIp,
  rawToken,
  remoteLocationFor,
  sessionRow,
  signIn,
  signUp,
  uniqueEmail,
  wrapBinding,
} from "./helpers";

const MINUTE = 60_000;
const BOUND_SECONDS = Number(env.SESSION_REVALIDATE_SECONDS);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

afterEach(async () => {
  vi.useRealTimers();
  // Each test starts with nobody signed out by "sign everyone out".
  await env.DB.prepare("DELETE FROM auth_setting WHERE name = ?").bind(SESSIONS_NOT_BEFORE).run();
});

/** The Worker with `ADMIN_EMAILS` naming `emails`: one isolate, shared by every call given it. */
function withAdmins(...emails: string[]): Env {
  return { ...env, ADMIN_EMAILS: emails.join(", ") };
}

/** Follows the verification link the outbox holds for `email`. */
async function verifyAddress(email: string): Promise<void> {
  const mail = await latestMail(email, "verify-email");
  expect((await call(`/api/auth/verify-email?token=${encodeURIComponent(mail.token)}`)).status).toBeLessThan(400);
}

/** A user with a verified address, and the Worker with that address in ADMIN_EMAILS. */
async function signUpAdmin(): Promise<Client & { isolate: Env }> {
  const client = await signUp({ email: uniqueEmail("admin") });
  await verifyAddress(client.email);
  return { ...client, isolate: withAdmins(client.email.toUpperCase()) };
}

type Caller = { bearer: string; isolate: Env };

/** A call to an admin path, as `caller`. */
function adminCall(caller: Caller, path: string, body?: unknown): Promise<Response> {
  const init = body === undefined ? {} : { method: "POST", json: body };
  return callIn(caller.isolate, `/api/auth/admin/${path}`, { ...init, headers: bearer(caller.bearer) });
}

/** Every admin path offered, with a call on `target` (a user and one of its sessions). */
function adminPaths(target: { userId: string; sessionId: string }): [string, unknown][] {
  return [
    ["list-users", undefined],
    [`get-user?id=${target.userId}`, undefined],
    ["list-user-sessions", { userId: target.userId }],
    ["revoke-user-session", { sessionToken: `sh_${target.sessionId}` }],
    ["revoke-user-sessions", { userId: target.userId }],
    ["ban-user", { userId: target.userId }],
    ["unban-user", { userId: target.userId }],
    ["revoke-all-sessions", {}],
  ];
}

async function roleOf(userId: string): Promise<string | null> {
  return (await env.DB.prepare('SELECT role FROM "user" WHERE id = ?').bind(userId).first<{ role: string | null }>())?.role ?? null;
}

async function sessionIdOf(credential: string): Promise<string> {
  const row = await sessionRow(rawToken(credential));
  if (!row) throw new Error("no such session");
  return row.id;
}

async function notBefore(): Promise<number | null> {
  const row = await env.DB.prepare("SELECT value FROM auth_setting WHERE name = ?").bind(SESSIONS_NOT_BEFORE).first<{ value: number }>();
  return row?.value ?? null;
}

async function expectCode(response: Response, status: number, code: string) {
  expect({ status: response.status, body: await response.json() }).toMatchObject({ status, body: { code } });
}

describe("who is an admin", () => {
  it("a verified ADMIN_EMAILS address reaches every admin path, and gets the admin role", async () => {
    const admin = await signUpAdmin();
    const target = await signUp();
    const target2 = await signIn(target.email);
    const paths = adminPaths({ userId: target.userId, sessionId: await sessionIdOf(target2.bearer) });
    for (const [path, body] of paths) {
      const response = await adminCall(admin, path, body);
      expect([path, response.status]).toEqual([path, 200]);
    }
    expect(await roleOf(admin.userId)).toBe("admin");
  });

  describe.each([
    ["a user not in ADMIN_EMAILS", async () => ({ ...(await signUp()), isolate: withAdmins(uniqueEmail("someone-else")) })],
    [
      "an ADMIN_EMAILS address not yet verified",
      async () => {
        const client = await signUp({ email: uniqueEmail("unverified") });
        return { ...client, isolate: withAdmins(client.email) };
      },
    ],
    [
      "an address removed from ADMIN_EMAILS",
      async () => {
        const admin = await signUpAdmin();
        expect((await adminCall(admin, "list-users")).status).toBe(200);
        expect(await roleOf(admin.userId)).toBe("admin");
        return { ...admin, isolate: withAdmins(uniqueEmail("new-admin")) };
      },
    ],
  ])("%s", (_who, caller) => {
    it("gets 403 ADMIN_ONLY on every admin path, changes nothing, and holds the default role", async () => {
      const client = await caller();
      const target = await signUp();
      const paths = adminPaths({ userId: target.userId, sessionId: await sessionIdOf(target.bearer) });
      for (const [path, body] of paths) {
        const response = await adminCall(client, path, body);
        expect([path, response.status, ((await response.json()) as { code: string }).code]).toEqual([path, 403, "ADMIN_ONLY"]);
      }
      expect(await sessionRow(rawToken(target.bearer))).not.toBeNull();
      expect(await env.DB.prepare('SELECT banned FROM "user" WHERE id = ?').bind(target.userId).first("banned")).toBe(0);
      expect(await notBefore()).toBeNull();
      expect(await roleOf(client.userId)).toBe("user");
      expect((await getSession({ bearer: client.bearer })).body?.user.id).toBe(client.userId);
    });
  });

  it("no user sets its own role or lifts a ban through update-user", async () => {
    const client = await signUp({ email: uniqueEmail("self-promoting") });
    for (const field of [{ role: "admin" }, { banned: false }]) {
      const response = await call("/api/auth/update-user", { method: "POST", headers: bearer(client.bearer), json: field });
      expect([field, response.status]).toEqual([field, 400]);
    }
    expect(await roleOf(client.userId)).toBe("user");
  });

  it("answers 401 without a session", async () => {
    await expectCode(await callIn(withAdmins(uniqueEmail()), "/api/auth/admin/list-users"), 401, "UNAUTHORIZED");
    await expectCode(
      await callIn(withAdmins(uniqueEmail()), "/api/auth/admin/revoke-all-sessions", { method: "POST" }),
      401,
      "UNAUTHORIZED",
    );
  });

  it("holds for auth.api calls", async () => {
    const client = await signUp();
    const refused = await getRuntime(withAdmins(uniqueEmail()))
      .auth.api.listUsers({ headers: new Headers({ ...bearer(client.bearer), "cf-connecting-ip": randomIp() }), query: {} })
      .catch((error: { statusCode: number; body: { code: string } }) => error);
    expect(refused).toMatchObject({ statusCode: 403, body: { code: "ADMIN_ONLY" } });
  });
});

describe("users and their sessions", () => {
  it("lists users", async () => {
    const admin = await signUpAdmin();
    const target = await signUp({ name: "Listed" });
    const response = await adminCall(admin, `list-users?searchValue=${encodeURIComponent(target.email)}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { users: { id: string; email: string; role: string; banned: boolean }[]; total: number };
    expect(body.total).toBe(1);
    expect(body.users).toEqual([expect.objectContaining({ id: target.userId, email: target.email, role: "user", banned: false })]);
  });

  it("lists a user's sessions with handles, and no token anywhere in the answer", async () => {
    const admin = await signUpAdmin();
    const target = await signUp();
    const second = await signIn(target.email);
    const response = await adminCall(admin, "list-user-sessions", { userId: target.userId });
    expect(response.status).toBe(200);
    const text = await response.text();
    for (const credential of [target.bearer, second.bearer]) expect(text).not.toContain(rawToken(credential));
    const { sessions } = JSON.parse(text) as { sessions: { id: string; token: string; userId: string }[] };
    expect(sessions.map((session) => session.id).sort()).toEqual(
      [await sessionIdOf(target.bearer), await sessionIdOf(second.bearer)].sort(),
    );
    for (const session of sessions) expect(session).toMatchObject({ token: `sh_${session.id}`, userId: target.userId });

    const direct = await getRuntime(admin.isolate).auth.api.listUserSessions({
      headers: new Headers({ ...bearer(admin.bearer), "cf-connecting-ip": randomIp() }),
      body: { userId: target.userId },
    });
    expect(JSON.stringify(direct)).not.toContain(rawToken(target.bearer));
    for (const session of direct.sessions) expect(session.token).toBe(`sh_${session.id}`);
  });

  it("revokes one session by handle or by id, and all of a user's sessions", async () => {
    const admin = await signUpAdmin();
    const target = await signUp();
    const [byHandle, byId, kept] = [await signIn(target.email), await signIn(target.email), await signIn(target.email)];
    expect((await adminCall(admin, "revoke-user-session", { sessionToken: `sh_${await sessionIdOf(byHandle.bearer)}` })).status).toBe(200);
    expect((await adminCall(admin, "revoke-user-session", { id: await sessionIdOf(byId.bearer) })).status).toBe(200);
    for (const gone of [byHandle, byId]) {
      expect(await sessionRow(rawToken(gone.bearer))).toBeNull();
      expect((await getSession({ bearer: gone.bearer })).body).toBeNull();
    }
    expect((await getSession({ bearer: kept.bearer })).body?.user.id).toBe(target.userId);
    await expectCode(await adminCall(admin, "revoke-user-session", { sessionToken: "sh_no-such-session" }), 404, "SESSION_NOT_FOUND");

    expect((await adminCall(admin, "revoke-user-sessions", { userId: target.userId })).status).toBe(200);
    for (const gone of [target, kept]) expect(await sessionRow(rawToken(gone.bearer))).toBeNull();
    expect((await getSession({ bearer: admin.bearer })).body?.user.id).toBe(admin.userId);
  });

  it("a ban ends the user's sessions and refuses sign-in with 403 USER_BANNED; unbanning lets it in again", async () => {
    const admin = await signUpAdmin();
    const target = await signUp();
    const second = await signIn(target.email);
    const banned = await adminCall(admin, "ban-user", { userId: target.userId, banReason: "Spam" });
    expect(banned.status).toBe(200);
    expect(await banned.json()).toMatchObject({ user: { id: target.userId, banned: true, banReason: "Spam", banExpires: null } });
    for (const gone of [target, second]) {
      expect(await sessionRow(rawToken(gone.bearer))).toBeNull();
      expect((await getSession({ bearer: gone.bearer })).body).toBeNull();
    }
    await expectCode((await signIn(target.email)).response, 403, "USER_BANNED");
    // The password decides first: a wrong one says nothing of the ban.
    await expectCode((await signIn(target.email, "not the password")).response, 401, "INVALID_EMAIL_OR_PASSWORD");

    const unbanned = await adminCall(admin, "unban-user", { userId: target.userId });
    expect(await unbanned.json()).toMatchObject({ user: { id: target.userId, banned: false } });
    const again = await signIn(target.email);
    expect(again.response.status).toBe(200);
    expect((await getSession({ bearer: again.bearer })).body?.user.id).toBe(target.userId);
  });

  it("answers the other admin endpoints, impersonation among them, with 404", async () => {
    const admin = await signUpAdmin();
    const target = await signUp();
    const notOffered = [
      "impersonate-user",
      "stop-impersonating",
      "create-user",
      "set-role",
      "set-user-password",
      "update-user",
      "remove-user",
      "has-permission",
    ];
    for (const path of notOffered) {
      const response = await adminCall(admin, path, { userId: target.userId, role: "admin", newPassword: "x".repeat(12), data: {} });
      expect([path, response.status, ((await response.json()) as { code: string }).code]).toEqual([path, 404, "NOT_FOUND"]);
    }
    const impersonated = await getRuntime(admin.isolate)
      .auth.api.impersonateUser({
        headers: new Headers({ ...bearer(admin.bearer), "cf-connecting-ip": randomIp() }),
        body: { userId: target.userId },
      })
      .catch((error: { statusCode: number; body: { code: string } }) => error);
    expect(impersonated).toMatchObject({ statusCode: 404, body: { code: "NOT_FOUND" } });
    expect(await env.DB.prepare("SELECT count(*) AS n FROM session WHERE user_id = ?").bind(target.userId).first("n")).toBe(1);
  });
});

describe("re-authentication for admin actions on sessions", () => {
  it("an admin session that signed in too long ago must re-authenticate to end sessions or ban", async () => {
    const admin = await signUpAdmin();
    const target = await signUp();
    await ageSession(rawToken(admin.bearer), 20 * MINUTE);
    const actions: [string, unknown][] = [
      ["revoke-user-session", { sessionToken: `sh_${await sessionIdOf(target.bearer)}` }],
      ["revoke-user-sessions", { userId: target.userId }],
      ["ban-user", { userId: target.userId }],
      ["revoke-all-sessions", {}],
    ];
    for (const [path, body] of actions) {
      const response = await adminCall(admin, path, body);
      expect([path, response.status, ((await response.json()) as { code: string }).code]).toEqual([path, 403, "REAUTHENTICATION_REQUIRED"]);
    }
    expect(await sessionRow(rawToken(target.bearer))).not.toBeNull();
    expect(await notBefore()).toBeNull();
    // Reading needs no recent sign-in.
    expect((await adminCall(admin, "list-users")).status).toBe(200);

    const reauthenticated = await callIn(admin.isolate, "/api/auth/reauthenticate", {
      method: "POST",
      headers: bearer(admin.bearer),
      json: { password: PASSWORD },
    });
    expect(reauthenticated.status).toBe(200);
    const renewed = { ...admin, bearer: reauthenticated.headers.get("set-auth-token") ?? "" };
    for (const [path, body] of actions.slice(0, 3)) expect([path, (await adminCall(renewed, path, body)).status]).toEqual([path, 200]);
    expect(await sessionRow(rawToken(target.bearer))).toBeNull();
  });
});

describe("sign everyone out", () => {
  it("ends every session created before it, the admin's own included; new sign-ins work at once", async () => {
    const admin = await signUpAdmin();
    const users = [await signUp(), await signUp()];
    const response = await adminCall(admin, "revoke-all-sessions", {});
    expect(response.status).toBe(200);
    const body = (await response.json()) as { success: boolean; notBefore: string };
    expect(body.success).toBe(true);
    expect(Date.parse(body.notBefore)).toBe(await notBefore());

    expect((await callIn(admin.isolate, "/api/me", { headers: bearer(admin.bearer) })).status).toBe(401);
    for (const user of users) {
      expect(await exports.AuthService.validateToken(user.bearer, { fresh: true })).toBeNull();
      expect((await call("/api/auth/list-sessions", { headers: bearer(user.bearer) })).status).toBe(401);
    }

    const again = await signIn(users[0]!.email);
    expect(again.response.status).toBe(200);
    expect((await call("/api/me", { headers: bearer(again.bearer) })).status).toBe(200);
    const adminAgain = { ...admin, bearer: (await signIn(admin.email)).bearer };
    expect((await adminCall(adminAgain, "list-users")).status).toBe(200);
  });

  it("a session cached at another location is refused there once the bound has passed, and by a fresh check at once", async () => {
    const admin = await signUpAdmin();
    const user = await signUp();
    const remote = await remoteLocationFor(rawToken(user.bearer), user.userId);
    expect((await callIn(remote, "/api/me", { headers: bearer(user.bearer) })).status).toBe(200);

    expect((await adminCall(admin, "revoke-all-sessions", {})).status).toBe(200);

    // The other location still serves its copy, confirmed a moment ago...
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    vi.setSystemTime(Date.now() + (BOUND_SECONDS - 1) * 1000);
    expect((await callIn(remote, "/api/me", { headers: bearer(user.bearer) })).status).toBe(200);
    // ...a fresh check refuses it at once...
    expect(await exports.AuthService.validateToken(user.bearer, { fresh: true })).toBeNull();
    // ...and once the bound has passed, the location asks D1 again and refuses it.
    vi.setSystemTime(Date.now() + 2_000);
    expect((await callIn(remote, "/api/me", { headers: bearer(user.bearer) })).status).toBe(401);
    vi.useRealTimers();

    const again = await signIn(user.email);
    expect(again.response.status).toBe(200);
    expect((await call("/api/me", { headers: bearer(again.bearer) })).status).toBe(200);
  });

  it("costs warm checks of a new session no D1 query", async () => {
    const admin = await signUpAdmin();
    expect((await adminCall(admin, "revoke-all-sessions", {})).status).toBe(200);
    const user = await signUp();
    const counter = { queries: 0 };
    const isolate = {
      ...env,
      DB: wrapBinding(env.DB, {
        prepare: (query: string) => {
          counter.queries += 1;
          return env.DB.prepare(query);
        },
      }),
    };
    // The first check in an isolate confirms the cached copy once.
    expect((await callIn(isolate, "/api/me", { headers: bearer(user.bearer) })).status).toBe(200);
    expect(counter.queries).toBe(1);
    counter.queries = 0;
    for (let i = 0; i < 5; i++) expect((await callIn(isolate, "/api/me", { headers: bearer(user.bearer) })).status).toBe(200);
    expect(counter.queries).toBe(0);
  });

  it("never moves the time back", async () => {
    const db = createDb(env.DB);
    const at = Date.now();
    expect(await signOutSessionsBefore(db, at)).toBe(at);
    expect(await signOutSessionsBefore(db, at - MINUTE)).toBe(at);
    expect(await notBefore()).toBe(at);
  });
});
