import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { redact } from "../src/log";
import wranglerToml from "../wrangler.toml?raw";
import { callWith, PASSWORD, rawToken, signUp, wrapBinding } from "./helpers";

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
