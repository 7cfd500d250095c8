import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { activityLog, occasionOf } from "../src/activity/events";
import { createDb } from "../src/db/client";
import { outboxMailer } from "../src/mail";
import { eventsWhen } from "./activity-helpers";
import { callIn, PASSWORD, rawToken, sessionRow, signUp, wrapBinding } from "./helpers";

/** D1 that counts the statements writing `auth_event`. */
function countingEventWrites() {
  const counter = { writes: 0 };
  const count = (query: string) => {
    if (/^\s*(insert|update|delete)\b[\s\S]*"?auth_event"?/i.test(query)) counter.writes += 1;
  };
  const db = wrapBinding(env.DB, {
    prepare: (query: string) => {
      count(query);
      return env.DB.prepare(query);
    },
  });
  return { db, counter };
}

/** D1 whose statements on `auth_event` fail, or wait for `until`; everything else as it is. */
function eventsD1(behaviour: { fail: true } | { until: Promise<void> }) {
  return wrapBinding(env.DB, {
    prepare: (query: string) => {
      if (!/auth_event/.test(query)) return env.DB.prepare(query);
      if ("fail" in behaviour) throw new Error("D1_ERROR: Network connection lost.");
      const real = env.DB.prepare(query);
      const later =
        <T>(run: () => Promise<T>) =>
        () =>
          behaviour.until.then(run);
      const slow = (statement: D1PreparedStatement): D1PreparedStatement =>
        wrapBinding(statement, {
          bind: ((...values: unknown[]) => slow(statement.bind(...values))) as D1PreparedStatement["bind"],
          run: later(() => statement.run()) as D1PreparedStatement["run"],
          all: later(() => statement.all()) as D1PreparedStatement["all"],
          raw: later(() => statement.raw()) as D1PreparedStatement["raw"],
          first: later(() => statement.first()) as D1PreparedStatement["first"],
        });
      return slow(real);
    },
  });
}

const wrongGuess = (email: string) => ({ method: "POST", json: { email, password: "not the password" } });

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the flood bound", () => {
  it("writes a flood of failed sign-ins as one row per account and minute, in 1 + log2(n) writes", async () => {
    const client = await signUp();
    const { db, counter } = countingEventWrites();
    const isolate = { ...env, DB: db };
    const flood = 200;
    for (let i = 0; i < flood; i++) {
      const response = await callIn(isolate, "/api/auth/sign-in/email", wrongGuess(client.email));
      expect([401, 429]).toContain(response.status);
    }
    const rows = await eventsWhen(client.userId, (r) => r.some((row) => row.type === "sign-in-failed" && row.count === 128));
    expect(rows.filter((row) => row.type === "sign-in-failed")).toHaveLength(1);
    expect(rows.filter((row) => row.type === "lockout-started")).toHaveLength(1);
    // The 1st, 2nd, 4th, … 128th failure (8 writes) and the lockout: not 200.
    expect(counter.writes).toBe(9);
  }, 60_000);

  it("counts 10,000 failures of one account in 14 writes", async () => {
    const client = await signUp();
    // Each failure is still a log line; 10,000 of them are not worth printing here.
    vi.spyOn(console, "log").mockImplementation(() => {});
    const { db, counter } = countingEventWrites();
    const activity = activityLog({
      db: createDb(db),
      limiter: env.RATE_LIMITER,
      mailer: outboxMailer,
      config: { newDeviceWindowDays: 90, baseURL: undefined },
    });
    const work: Promise<unknown>[] = [];
    const occasion = occasionOf({ headers: new Headers({ "cf-connecting-ip": "198.18.0.1" }) }, (promise) => work.push(promise));
    for (let i = 0; i < 10_000; i += 1) {
      activity.failedSignIn(occasion, client.email, "INVALID_EMAIL_OR_PASSWORD");
      // The flood arrives over time; the counter sees it in order.
      if (i % 500 === 499) await Promise.all(work.splice(0));
    }
    await Promise.all(work);
    const rows = await eventsWhen(client.userId, (r) => r.some((row) => row.type === "sign-in-failed"));
    expect(rows.find((row) => row.type === "sign-in-failed")?.count).toBe(8192);
    expect(counter.writes).toBe(14);
  }, 60_000);
});

describe("recording is off the response path", () => {
  it("a failing event write does not fail the sign-in or the sign-out that caused it", async () => {
    const client = await signUp();
    const failing = { ...env, DB: eventsD1({ fail: true }) };
    const response = await callIn(failing, "/api/auth/sign-in/email", {
      method: "POST",
      json: { email: client.email, password: PASSWORD },
    });
    expect(response.status).toBe(200);
    const token = response.headers.get("set-auth-token") ?? "";
    // A session's end is recorded while the endpoint runs (a database hook): still not the endpoint's failure.
    const signOut = await callIn(failing, "/api/auth/sign-out", {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      json: {},
    });
    expect(signOut.status).toBe(200);
    expect(await sessionRow(rawToken(token))).toBeNull();
  });

  it("a sign-in answers while its event write is still waiting", async () => {
    const client = await signUp();
    let release = () => {};
    const until = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Were the write on the response path, this sign-in would never answer and the test would time out.
    const response = await callIn({ ...env, DB: eventsD1({ until }) }, "/api/auth/sign-in/email", {
      method: "POST",
      json: { email: client.email, password: PASSWORD },
    });
    expect(response.status).toBe(200);
    expect((await eventsWhen(client.userId, (rows) => rows.length > 0)).map((row) => row.type)).not.toContain("sign-in");
    release();
    const rows = await eventsWhen(client.userId, (r) => r.some((row) => row.type === "sign-in"));
    expect(rows.map((row) => row.type)).toContain("sign-in");
  });
});
