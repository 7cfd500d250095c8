import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { eventsWhen } from "./activity-helpers";
import { ageSession, call, getSession, ORIGIN, PASSWORD, randomIp, rawToken, sessionRow } from "./helpers";
import { get, passkeySignIn, postFrom, registerPasskey, SoftAuthenticator, signedInBrowser } from "./passkey-helpers";
import { Jar, post, withTotp } from "./second-factors-helpers";

const sessionOf = (jar: Jar) => [...jar.cookies].find(([name]) => name.includes("session_token"))?.join("=");

async function passkeysOf(jar: Jar): Promise<{ id: string; name: string | null; userId: string }[]> {
  const answer = await get(jar, "/api/auth/passkey/list-user-passkeys");
  expect(answer.status).toBe(200);
  return answer.json();
}

describe("registering a passkey", () => {
  it("needs a session", async () => {
    const options = await call("/api/auth/passkey/generate-register-options");
    expect(options.status).toBe(401);
    const verify = await postFrom(new Jar(), "/api/auth/passkey/verify-registration", { response: {} });
    expect(verify.status).toBe(401);
  });

  it("needs a recent sign-in, as ending other sessions does", async () => {
    const { jar } = await signedInBrowser();
    await ageSession(rawToken(sessionOf(jar) ?? ""), 16 * 60_000);
    const options = await get(jar, "/api/auth/passkey/generate-register-options");
    expect(options.status).toBe(403);
    expect((await options.json()) as unknown).toMatchObject({ code: "REAUTHENTICATION_REQUIRED" });
  });

  it("stores the passkey for the signed-in user, lists it, and makes no session of its own", async () => {
    const { client, jar } = await signedInBrowser();
    const before = sessionOf(jar);
    const { authenticator, verified } = await registerPasskey(jar);
    expect(verified.status).toBe(200);
    expect(sessionOf(jar)).toBe(before);
    const listed = await passkeysOf(jar);
    expect(listed).toEqual([expect.objectContaining({ name: "Laptop", userId: client.userId })]);
    const row = await env.DB.prepare("SELECT credential_id FROM passkey WHERE user_id = ?")
      .bind(client.userId)
      .first<{ credential_id: string }>();
    expect(row?.credential_id).toBe(authenticator.id);
  });

  it("refuses createSession: registering is no sign-in", async () => {
    const { client, jar } = await signedInBrowser();
    const options = await get(jar, "/api/auth/passkey/generate-register-options");
    const response = await new SoftAuthenticator().register(await options.json());
    const verified = await postFrom(jar, "/api/auth/passkey/verify-registration", { response, createSession: true });
    expect(verified.status).toBe(200);
    const body = (await verified.json()) as Record<string, unknown>;
    expect(body.session).toBeUndefined();
    const { results } = await env.DB.prepare("SELECT id FROM session WHERE user_id = ?").bind(client.userId).all();
    expect(results).toHaveLength(2); // sign-up's and the browser's
  });

  it("refuses an authenticator that does not verify its user", async () => {
    const { jar } = await signedInBrowser();
    const { verified } = await registerPasskey(jar, new SoftAuthenticator({ userVerified: false }));
    expect(verified.status).toBe(400);
    expect(await verified.json()).toMatchObject({ code: "FAILED_TO_VERIFY_REGISTRATION" });
    expect(await passkeysOf(jar)).toEqual([]);
  });

  it("refuses a credential made for another relying party", async () => {
    const { jar } = await signedInBrowser();
    const { verified } = await registerPasskey(jar, new SoftAuthenticator({ rpId: "evil.example" }));
    expect(verified.status).toBe(400);
    expect(await passkeysOf(jar)).toEqual([]);
  });
});

describe("signing in with a passkey", () => {
  it("makes an ordinary session: in the list, revocable, with the sign-in event and no token in the answer", async () => {
    const { client, jar } = await signedInBrowser();
    const { authenticator } = await registerPasskey(jar);
    const { jar: browser, answer } = await passkeySignIn(authenticator);
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as { session: Record<string, unknown>; user: { id: string } };
    expect(body.user.id).toBe(client.userId);
    expect(body.session.token).toBeUndefined();
    expect(answer.headers.get("set-auth-token")).toBeNull();
    const cookie = sessionOf(browser);
    expect(cookie).toBeDefined();
    expect(browser.has("device_token")).toBe(true);
    const found = (await getSession({ cookie })).body;
    expect(found?.user.id).toBe(client.userId);

    const listed = (await (await get(jar, "/api/auth/list-sessions")).json()) as { id: string; current: boolean }[];
    expect(listed.map((session) => session.id)).toContain(found?.session.id);
    expect((await post(jar, "/api/auth/revoke-session", { id: found?.session.id })).status).toBe(200);
    expect(await sessionRow(rawToken(cookie ?? ""))).toBeNull();

    const rows = await eventsWhen(client.userId, (events) => events.some((event) => event.type === "sign-in" && event.detail !== null));
    const signIn = rows.find((event) => event.type === "sign-in" && event.session_id === found?.session.id);
    expect(JSON.parse(signIn?.detail ?? "null")).toEqual({ method: "passkey" });
  });

  it("asks no TOTP code: a passkey is multi-factor itself", async () => {
    const user = await withTotp();
    const jar = new Jar();
    const cookieJar = await post(jar, "/api/auth/sign-in/email", { email: user.email, password: PASSWORD });
    expect(await cookieJar.json()).toMatchObject({ twoFactorRedirect: true });
    // Registering needs a session: the bearer token withTotp holds.
    const options = await call("/api/auth/passkey/generate-register-options", { headers: { authorization: `Bearer ${user.bearer}` } });
    const challenge = options.headers.getSetCookie().map((line) => line.split(";")[0]);
    const authenticator = new SoftAuthenticator();
    const response = await authenticator.register(await options.json());
    const verified = await call("/api/auth/passkey/verify-registration", {
      method: "POST",
      json: { response },
      headers: { authorization: `Bearer ${user.bearer}`, cookie: challenge.join("; "), origin: ORIGIN },
    });
    expect(verified.status).toBe(200);
    const { answer } = await passkeySignIn(authenticator);
    expect(answer.status).toBe(200);
    expect(await answer.json()).not.toHaveProperty("twoFactorRedirect");
  });

  it("refuses an assertion without user verification", async () => {
    const { jar } = await signedInBrowser();
    const { authenticator } = await registerPasskey(jar);
    // The same key, now answering without its PIN.
    Object.assign(authenticator, { options: { userVerified: false } });
    const { jar: browser, answer } = await passkeySignIn(authenticator);
    expect(answer.status).toBe(401);
    expect(await answer.json()).toMatchObject({ code: "AUTHENTICATION_FAILED" });
    expect(sessionOf(browser)).toBeUndefined();
  });

  it("answers an unknown credential as a failed authentication, not as a missing passkey", async () => {
    const authenticator = new SoftAuthenticator();
    const { jar } = await signedInBrowser();
    await registerPasskey(jar, authenticator);
    await env.DB.prepare("DELETE FROM passkey WHERE credential_id = ?").bind(authenticator.id).run();
    const { answer } = await passkeySignIn(authenticator);
    expect(answer.status).toBe(401);
    expect(await answer.json()).toMatchObject({ code: "AUTHENTICATION_FAILED" });
  });

  it("is a credential path: 10 a minute per address, then 429", async () => {
    const ip = randomIp();
    const jar = new Jar();
    for (let i = 0; i < 10; i++) {
      const answer = await postFrom(jar, "/api/auth/passkey/verify-authentication", { response: { id: "x" } }, ip);
      expect(answer.status).toBe(400);
      expect(answer.headers.get("ratelimit-policy")).toBe("10;w=60");
    }
    const limited = await postFrom(jar, "/api/auth/passkey/verify-authentication", { response: { id: "x" } }, ip);
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ code: "RATE_LIMITED" });
  });
});

describe("removing a passkey", () => {
  it("removes one's own, with an event for adding and one for removing", async () => {
    const { client, jar } = await signedInBrowser();
    await registerPasskey(jar, new SoftAuthenticator(), "Phone");
    const [listed] = await passkeysOf(jar);
    const removed = await postFrom(jar, "/api/auth/passkey/delete-passkey", { id: listed?.id });
    expect(removed.status).toBe(200);
    expect(await passkeysOf(jar)).toEqual([]);
    const rows = await eventsWhen(client.userId, (events) => events.some((event) => event.type === "passkey-removed"));
    const added = rows.find((event) => event.type === "passkey-added");
    const gone = rows.find((event) => event.type === "passkey-removed");
    expect(JSON.parse(added?.detail ?? "null")).toEqual({ passkeyId: listed?.id, name: "Phone" });
    expect(JSON.parse(gone?.detail ?? "null")).toEqual({ passkeyId: listed?.id, name: "Phone" });
  });

  it("answers 404 for another user's passkey, as for one that does not exist, and keeps it", async () => {
    const owner = await signedInBrowser();
    await registerPasskey(owner.jar);
    const [theirs] = await passkeysOf(owner.jar);
    const other = await signedInBrowser();
    for (const id of [theirs?.id, "no-such-passkey"]) {
      const answer = await postFrom(other.jar, "/api/auth/passkey/delete-passkey", { id });
      expect(answer.status).toBe(404);
      expect(await answer.json()).toMatchObject({ code: "PASSKEY_NOT_FOUND" });
    }
    const renamed = await postFrom(other.jar, "/api/auth/passkey/update-passkey", { id: theirs?.id, name: "mine now" });
    expect(renamed.status).toBe(404);
    expect(await passkeysOf(owner.jar)).toEqual([expect.objectContaining({ id: theirs?.id, name: "Laptop" })]);
  });

  it("needs a session", async () => {
    const answer = await postFrom(new Jar(), "/api/auth/passkey/delete-passkey", { id: "anything" });
    expect(answer.status).toBe(401);
  });
});
