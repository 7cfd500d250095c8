import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ABANDONED_AFTER_MS, PURGE_LOOKBACK_MS } from "../src/housekeeping/abandoned-users";
import { purgeExpired } from "../src/housekeeping/purge";
import { call, callWith, PASSWORD, signIn, signUp, uniqueEmail, wrapBinding } from "./helpers";

/** D1 that loses its connection on the statement that stores a password: an outage between Better Auth's sign-up steps. */
const failsOnPassword = wrapBinding(env.DB, {
  prepare: (query: string) => {
    if (/^insert into "account"/i.test(query)) throw new Error("D1_ERROR: Network connection lost.");
    return env.DB.prepare(query);
  },
});

/** Signs up `email` while D1 fails halfway: the user row is written, its password is not. */
async function halfWrittenSignUp(email: string) {
  const response = await callWith({ DB: failsOnPassword }, "/api/auth/sign-up/email", {
    method: "POST",
    json: { email, password: PASSWORD, name: "Half" },
  });
  expect(response.status).toBe(503);
  expect(await userRow(email)).not.toBeNull();
  expect(
    await env.DB.prepare('SELECT count(*) AS n FROM account a JOIN "user" u ON u.id = a.user_id WHERE u.email = ?').bind(email).first("n"),
  ).toBe(0);
}

function userRow(email: string) {
  return env.DB.prepare('SELECT id, created_at FROM "user" WHERE email = ?').bind(email).first<{ id: string; created_at: number }>();
}

/** Moves a user row's creation back in time, as if `ms` had passed. */
async function age(email: string, ms: number) {
  await env.DB.prepare('UPDATE "user" SET created_at = created_at - ? WHERE email = ?').bind(ms, email).run();
}

function signUpAgain(email: string) {
  return call("/api/auth/sign-up/email", { method: "POST", json: { email, password: PASSWORD, name: "Again" } });
}

describe("a sign-up that D1 left half-written", () => {
  it("can be signed up again once the leftover is older than a sign-up takes", async () => {
    const email = uniqueEmail("half");
    await halfWrittenSignUp(email);

    // Too recent to tell from a sign-up in progress: the address is taken for now.
    expect((await signUpAgain(email)).status).toBe(422);

    await age(email, ABANDONED_AFTER_MS);
    const again = await signUpAgain(email);
    expect(again.status).toBe(200);
    expect((await signIn(email)).response.status).toBe(200);
  });

  it("is deleted by the hourly purge, while complete accounts and recent leftovers stay", async () => {
    const old = uniqueEmail("old-half");
    const recent = uniqueEmail("recent-half");
    await halfWrittenSignUp(old);
    await halfWrittenSignUp(recent);
    await age(old, ABANDONED_AFTER_MS);
    const complete = await signUp();
    await age(complete.email, ABANDONED_AFTER_MS * 60);

    const purged = await purgeExpired(env);
    expect(purged.abandonedUsers).toBeGreaterThanOrEqual(1);
    expect(await userRow(old)).toBeNull();
    expect(await userRow(recent)).not.toBeNull();
    // The purge only looks back a day; an older leftover goes when its email signs up again.
    const ancient = uniqueEmail("ancient-half");
    await halfWrittenSignUp(ancient);
    await age(ancient, PURGE_LOOKBACK_MS + 60_000);
    await purgeExpired(env);
    expect(await userRow(ancient)).not.toBeNull();
    expect((await signUpAgain(ancient)).status).toBe(200);
    expect(await userRow(complete.email)).not.toBeNull();
    expect((await signIn(complete.email)).response.status).toBe(200);
  });

  it("never touches a user who has a password", async () => {
    const client = await signUp();
    await age(client.email, ABANDONED_AFTER_MS * 60);
    expect((await signUpAgain(client.email)).status).toBe(422);
    expect((await signIn(client.email)).response.status).toBe(200);
  });
});
