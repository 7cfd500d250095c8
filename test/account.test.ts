import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readOutbox } from "../src/mail";
import {
  call,
  callWith,
  getSession,
  kvHasSession,
  latestMail,
  ORIGIN,
  PASSWORD,
  rawToken,
  sessionCookie,
  sessionRow,
  settle,
  signIn,
  signUp,
  uniqueEmail,
} from "./helpers";

async function userRow(email: string) {
  return env.DB.prepare("SELECT id, email_verified FROM user WHERE email = ?").bind(email.toLowerCase()).first<{
    id: string;
    email_verified: number;
  }>();
}

describe("email verification", () => {
  it("sends a link on sign-up that marks the address verified", async () => {
    const client = await signUp();
    const mail = await latestMail(client.email, "verify-email");
    expect(mail.url).toMatch(new RegExp(`^${ORIGIN}/api/auth/verify-email\\?token=`));
    expect((await userRow(client.email))?.email_verified).toBe(0);

    const response = await call(`/api/auth/verify-email?token=${encodeURIComponent(mail.token)}`);
    expect(response.status).toBe(200);
    expect((await userRow(client.email))?.email_verified).toBe(1);
  });

  it("refuses a tampered verification token", async () => {
    const client = await signUp();
    const mail = await latestMail(client.email, "verify-email");
    const response = await call(`/api/auth/verify-email?token=${encodeURIComponent(`${mail.token}x`)}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "INVALID_TOKEN" });
    expect((await userRow(client.email))?.email_verified).toBe(0);
  });

  it("send-verification-email sends a fresh link", async () => {
    const client = await signUp();
    await settle(() => readOutbox(client.email, "verify-email").length > 0);
    const before = readOutbox(client.email, "verify-email").length;
    const response = await call("/api/auth/send-verification-email", {
      method: "POST",
      headers: { authorization: `Bearer ${client.bearer}` },
      json: { email: client.email },
    });
    expect(response.status).toBe(200);
    await settle(() => readOutbox(client.email, "verify-email").length > before);
    expect(readOutbox(client.email, "verify-email").length).toBe(before + 1);
  });

  it("by default, gives no session until the address is verified", async () => {
    // The deployed default; the test environment turns it off for the other suites.
    const strict = { REQUIRE_EMAIL_VERIFICATION: "" };
    const email = uniqueEmail("strict");
    const signUpResponse = await callWith(strict, "/api/auth/sign-up/email", {
      method: "POST",
      json: { email, password: PASSWORD, name: "Strict" },
    });
    expect(signUpResponse.status).toBe(200);
    expect(sessionCookie(signUpResponse)).toBeUndefined();

    const blocked = await callWith(strict, "/api/auth/sign-in/email", { method: "POST", json: { email, password: PASSWORD } });
    expect(blocked.status).toBe(403);
    expect(await blocked.json()).toMatchObject({ code: "EMAIL_NOT_VERIFIED" });

    const mail = await latestMail(email, "verify-email");
    const verified = await callWith(strict, `/api/auth/verify-email?token=${encodeURIComponent(mail.token)}`);
    expect(verified.status).toBe(200);
    const allowed = await callWith(strict, "/api/auth/sign-in/email", { method: "POST", json: { email, password: PASSWORD } });
    expect(allowed.status).toBe(200);
  });
});

describe("password reset", () => {
  it("resets the password through the mailed token and ends every session", async () => {
    const client = await signUp();
    const other = await signIn(client.email);
    const request = await call("/api/auth/request-password-reset", { method: "POST", json: { email: client.email } });
    expect(request.status).toBe(200);
    const mail = await latestMail(client.email, "reset-password");
    expect(mail.url).toContain(`/api/auth/reset-password/${mail.token}`);

    const reset = await call("/api/auth/reset-password", {
      method: "POST",
      json: { token: mail.token, newPassword: "reset passphrase 2026" },
    });
    expect(reset.status).toBe(200);
    expect((await getSession({ bearer: client.bearer })).body).toBeNull();
    expect((await getSession({ bearer: other.bearer })).body).toBeNull();
    expect(await kvHasSession(rawToken(other.bearer))).toBe(false);
    expect((await signIn(client.email, PASSWORD)).response.status).toBe(401);
    expect((await signIn(client.email, "reset passphrase 2026")).response.status).toBe(200);
  });

  it("accepts a reset token once", async () => {
    const client = await signUp();
    await call("/api/auth/request-password-reset", { method: "POST", json: { email: client.email } });
    const mail = await latestMail(client.email, "reset-password");
    const first = await call("/api/auth/reset-password", {
      method: "POST",
      json: { token: mail.token, newPassword: "first new passphrase" },
    });
    const second = await call("/api/auth/reset-password", {
      method: "POST",
      json: { token: mail.token, newPassword: "second new passphrase" },
    });
    expect(first.status).toBe(200);
    expect(second.status).toBe(400);
    expect(await second.json()).toMatchObject({ code: "INVALID_TOKEN" });
  });

  it("keeps only a hash of the reset token in D1, so a copy of D1 holds no usable link", async () => {
    const client = await signUp();
    await call("/api/auth/request-password-reset", { method: "POST", json: { email: client.email } });
    const mail = await latestMail(client.email, "reset-password");
    const rows = await env.DB.prepare("SELECT identifier, value FROM verification WHERE value = ?")
      .bind(client.userId)
      .all<{ identifier: string }>();
    expect(rows.results).toHaveLength(1);
    const stored = rows.results[0]!.identifier;
    expect(stored).not.toContain(mail.token);
    // What D1 holds, sent as a token, resets nothing.
    const replayed = await call("/api/auth/reset-password", { method: "POST", json: { token: stored, newPassword: "taken over 2026" } });
    expect(replayed.status).toBe(400);
    const reset = await call("/api/auth/reset-password", {
      method: "POST",
      json: { token: mail.token, newPassword: "reset passphrase 2026" },
    });
    expect(reset.status).toBe(200);
  });

  it("still accepts a reset link stored in plain before identifiers were hashed", async () => {
    const client = await signUp();
    const token = `legacy${crypto.randomUUID().replaceAll("-", "")}`;
    await env.DB.prepare("INSERT INTO verification (id, identifier, value, expires_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)")
      .bind(crypto.randomUUID(), `reset-password:${token}`, client.userId, Date.now() + 3_600_000, Date.now(), Date.now())
      .run();
    const reset = await call("/api/auth/reset-password", { method: "POST", json: { token, newPassword: "reset passphrase 2026" } });
    expect(reset.status).toBe(200);
    expect((await signIn(client.email, "reset passphrase 2026")).response.status).toBe(200);
  });

  it("answers the same for unknown addresses and sends nothing", async () => {
    const email = uniqueEmail("ghost");
    const response = await call("/api/auth/request-password-reset", { method: "POST", json: { email } });
    expect(response.status).toBe(200);
    // Nothing may arrive, however long we wait for it.
    expect(await settle(() => readOutbox(email).length > 0, 300)).toBe(false);
    expect(readOutbox(email)).toHaveLength(0);
  });
});

describe("update-user", () => {
  it("changes the name and every cached copy of the session sees it", async () => {
    const client = await signUp();
    const response = await call("/api/auth/update-user", {
      method: "POST",
      headers: { authorization: `Bearer ${client.bearer}` },
      json: { name: "Renamed" },
    });
    expect(response.status).toBe(200);
    const me = await call("/api/me", { headers: { authorization: `Bearer ${client.bearer}` } });
    expect(((await me.json()) as { user: { name: string } }).user.name).toBe("Renamed");
  });
});

describe("delete-user", () => {
  it("removes the user, its accounts and every session in D1 and KV", async () => {
    const client = await signUp();
    const other = await signIn(client.email);
    const response = await call("/api/auth/delete-user", {
      method: "POST",
      headers: { authorization: `Bearer ${client.bearer}` },
      json: { password: PASSWORD },
    });
    expect(response.status).toBe(200);
    expect(await userRow(client.email)).toBeNull();
    const accounts = await env.DB.prepare("SELECT count(*) AS n FROM account WHERE user_id = ?").bind(client.userId).first<{ n: number }>();
    expect(accounts?.n).toBe(0);
    for (const credential of [client, other]) {
      const token = rawToken(credential.bearer);
      expect(await sessionRow(token)).toBeNull();
      expect(await kvHasSession(token)).toBe(false);
      expect((await getSession({ bearer: credential.bearer })).body).toBeNull();
    }
  });

  it("requires the password", async () => {
    const client = await signUp();
    const missing = await call("/api/auth/delete-user", {
      method: "POST",
      headers: { authorization: `Bearer ${client.bearer}` },
      json: {},
    });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ code: "PASSWORD_REQUIRED" });
    const wrong = await call("/api/auth/delete-user", {
      method: "POST",
      headers: { authorization: `Bearer ${client.bearer}` },
      json: { password: "not the password" },
    });
    expect(wrong.status).toBe(400);
    expect(await userRow(client.email)).not.toBeNull();
  });

  it("cascades in D1 when a user row is deleted directly", async () => {
    const client = await signUp();
    await env.DB.prepare("DELETE FROM user WHERE id = ?").bind(client.userId).run();
    expect(await sessionRow(rawToken(client.bearer))).toBeNull();
    const accounts = await env.DB.prepare("SELECT count(*) AS n FROM account WHERE user_id = ?").bind(client.userId).first<{ n: number }>();
    expect(accounts?.n).toBe(0);
  });
});
