import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { redact } from "../src/log";
import wranglerToml from "../wrangler.toml?raw";
import { eventsWhen, LISBON } from "./activity-helpers";
import { callIn, callWith, PASSWORD, rawToken, signUp, uniqueEmail, wrapBinding } from "./helpers";

/** Everything the Worker logs while `work` runs. */
async function logsOf(work: () => Promise<unknown>): Promise<string> {
  const lines: string[] = [];
  const keep = (...args: unknown[]) => {
    lines.push(args.map((arg) => (arg instanceof Error ? `${arg.stack}\n${String(arg.cause)}` : String(arg))).join(" "));
  };
  const spies = (["log", "info", "warn", "error", "debug"] as const).map((level) => vi.spyOn(console, level).mockImplementation(keep));
  try {
    await work();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return lines.join("\n");
}

afterEach(() => {
  vi.restoreAllMocks();
});

/** D1 that loses its connection on every statement that reads or writes a session or verification row. */
const brokenD1 = wrapBinding(env.DB, {
  prepare: (query: string) => {
    if (/"(session|verification|account)"/.test(query)) throw new Error("D1_ERROR: Network connection lost.");
    return env.DB.prepare(query);
  },
});

describe("tokens in logs", () => {
  it("redacts SQL parameters, token query strings, reset paths, bearer tokens and session cookies", () => {
    const line = [
      'Failed query: select "id" from "session" where "token" = ?\nparams: sEcReTtOkEn123,1796036420691',
      "GET https://auth.example.com/api/auth/verify-email?token=eyJhbGc.secret.sig&callbackURL=%2F",
      "GET /api/auth/reset-password/rEsEtToKeN?callbackURL=/reset",
      "authorization: Bearer bEaReR.sig=",
      "cookie: __Host-better-auth.session_token=cOoKiE.sig%3D; other=1",
    ].join("\n");
    const out = redact(line);
    for (const secret of ["sEcReTtOkEn123", "eyJhbGc.secret.sig", "rEsEtToKeN", "bEaReR.sig=", "cOoKiE.sig%3D"])
      expect(out).not.toContain(secret);
    expect(out).toContain("callbackURL=%2F");
    expect(out).toContain("other=1");
  });

  it("a D1 outage on a session check logs no session token", async () => {
    const client = await signUp();
    await env.SESSION_KV.delete(`ba:v1:${rawToken(client.bearer)}`);
    let status = 0;
    const logs = await logsOf(async () => {
      status = (await callWith({ DB: brokenD1 }, "/api/me", { headers: { authorization: `Bearer ${client.bearer}` } })).status;
    });
    expect(status).toBe(503);
    expect(logs).toContain("unavailable");
    expect(logs).not.toContain(rawToken(client.bearer));
  });

  it("a D1 outage on a reset link logs neither the token nor the link", async () => {
    const token = `reset${crypto.randomUUID().replaceAll("-", "")}`;
    let statuses: number[] = [];
    const logs = await logsOf(async () => {
      statuses = [
        (await callWith({ DB: brokenD1 }, `/api/auth/reset-password/${token}?callbackURL=%2Freset`)).status,
        (await callWith({ DB: brokenD1 }, "/api/auth/reset-password", { method: "POST", json: { token, newPassword: PASSWORD } })).status,
      ];
    });
    expect(statuses).toEqual([503, 503]);
    expect(logs).toContain("unavailable");
    expect(logs).not.toContain(token);
  });

  it("the deployed configuration keeps request URLs, which can hold a token, out of Workers Logs", () => {
    const section = wranglerToml.slice(wranglerToml.indexOf("[observability.logs]"));
    expect(section).toMatch(/^\[observability\.logs\]\ninvocation_logs = false$/m);
  });
});

describe("security events in the logs", () => {
  it("are one JSON line each, with the request's cf-ray, and no token, password or whole email address", async () => {
    const email = uniqueEmail("ada");
    const wrong = `wrong-${crypto.randomUUID()}`;
    const headers = { "cf-ray": "8f1a2b3c4d5e6f70-LIS", "user-agent": "curl/8.5.0" };
    const tokens: string[] = [];
    let userId = "";
    const logs = await logsOf(async () => {
      const signedUp = await callIn(env, "/api/auth/sign-up/email", {
        method: "POST",
        json: { email, password: PASSWORD, name: "Ada" },
        headers,
        cf: LISBON,
      });
      userId = ((await signedUp.json()) as { user: { id: string } }).user.id;
      const signedIn = await callIn(env, "/api/auth/sign-in/email", {
        method: "POST",
        json: { email, password: PASSWORD },
        headers,
        cf: LISBON,
      });
      tokens.push(signedUp.headers.get("set-auth-token") ?? "", signedIn.headers.get("set-auth-token") ?? "");
      await callIn(env, "/api/auth/sign-in/email", { method: "POST", json: { email, password: wrong }, headers });
      await callIn(env, "/api/auth/sign-in/email", { method: "POST", json: { email: uniqueEmail("nobody"), password: wrong }, headers });
      await callIn(env, "/api/auth/sign-out", { method: "POST", headers: { ...headers, authorization: `Bearer ${tokens[1]}` } });
      await eventsWhen(userId, (rows) =>
        ["sign-up", "sign-in", "sign-in-failed", "sign-out"].every((type) => rows.some((row) => row.type === type)),
      );
    });
    const lines = logs.split("\n").filter((line) => line.startsWith('{"event"'));
    const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.map((event) => event.event).sort()).toEqual(["sign-in", "sign-in-failed", "sign-in-failed", "sign-out", "sign-up"]);
    for (const event of events) expect(event).toMatchObject({ cfRay: "8f1a2b3c4d5e6f70-LIS", device: "curl 8" });
    expect(events.find((event) => event.event === "sign-up")).toMatchObject({ userId, country: "PT", city: "Lisbon", colo: "LIS" });
    expect(events.filter((event) => event.event === "sign-in-failed").map((event) => event.email)).toEqual([
      "a…@example.com",
      "n…@example.com",
    ]);
    for (const secret of [PASSWORD, wrong, email, ...tokens, ...tokens.map(rawToken)]) expect(lines.join("\n")).not.toContain(secret);
  });
});
