/**
 * The KV, D1 and Durable Object calls behind the bench's scenarios, counted in
 * workerd: the Worker's own code (src/index.ts) answers the same requests as
 * under load, in one isolate, with bindings that count every call
 * (counting.ts). The clock is Date faked and moved as the bench's runs moved
 * it: each run's requests at its measured rate, from the time it started.
 * bench/run.mjs writes the plan (bench/lib/counts.mjs) and reads the result.
 */
import { applyD1Migrations, createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { getRuntime } from "../../src/runtime";
import { credentialHeaders, makeSessions, type Seed, seedSql } from "../lib/sessions.mjs";
import { type Counts, countingBindings, diffCounts } from "./counting";
import type { CheckRun, CountsPlan, CountsResult, OperationCounts } from "./plan";

const plan = env.BENCH_PLAN as CountsPlan;
const bindings = countingBindings(env);
/** One isolate: the Worker keeps its runtime per environment object. */
const isolate: Env = { ...env, DB: bindings.db, SESSION_KV: bindings.kv, RATE_LIMITER: bindings.limiter as Env["RATE_LIMITER"] };
const result: CountsResult = { checks: [], operations: [], d1Statements: [] };

let addressCounter = 0;
/** A new client address per request, as the bench sends (198.18.0.0/15). */
const nextAddress = () => {
  addressCounter += 1;
  return `198.${18 + ((addressCounter >> 16) & 1)}.${(addressCounter >> 8) & 0xff}.${addressCounter & 0xff}`;
};

async function send(path: string, init: { method?: string; headers?: Record<string, string>; json?: unknown } = {}) {
  const headers = new Headers(init.headers);
  headers.set("cf-connecting-ip", nextAddress());
  if (init.json !== undefined) headers.set("content-type", "application/json");
  const request = new Request(new URL(path, plan.origin), {
    method: init.method ?? "GET",
    headers,
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, isolate, ctx);
  const body = await response.text();
  await waitOnExecutionContext(ctx);
  return { status: response.status, headers: response.headers, body };
}

type Sent = Awaited<ReturnType<typeof send>>;

const snapshot = (): Counts => ({ ...bindings.counts });

async function seed(count: number, start: number, prefix: string): Promise<Seed> {
  const seeded = await makeSessions({ count, secret: env.BETTER_AUTH_SECRET, now: start, prefix });
  const statements = seedSql(seeded, 100).map((sql) => env.DB.prepare(sql));
  for (let i = 0; i < statements.length; i += 50) await env.DB.batch(statements.slice(i, i + 50));
  for (let i = 0; i < seeded.sessions.length; i += 200) {
    await Promise.all(
      seeded.sessions
        .slice(i, i + 200)
        .map(({ kv }) => env.SESSION_KV.put(kv.key, kv.value, { metadata: kv.metadata, expirationTtl: kv.expirationTtl })),
    );
  }
  return seeded;
}

/** How many of `pool`'s sessions the runs touch: round-robin from where the previous run on the same cursor stopped. */
function touched(runs: CheckRun[], pool: CheckRun["pool"]): number {
  const cursors = new Map<string, number>();
  let most = 0;
  for (const run of runs.filter((r) => r.pool === pool)) {
    const end = (cursors.get(run.cursor) ?? 0) + run.phases.reduce((n, phase) => n + phase.requests, 0);
    cursors.set(run.cursor, end);
    most = Math.max(most, Math.min(run.sessions, end));
  }
  return most;
}

beforeAll(async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
  vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
});

afterAll(() => {
  vi.useRealTimers();
});

it("counts the storage calls of warm session checks, run by run", { timeout: 0 }, async ({ task }) => {
  const runs = [...plan.checks].sort((a, b) => a.startMs - b.startMs);
  if (runs.length > 0) {
    const start = Date.now();
    const pools = {
      seeded: (await seed(touched(runs, "seeded"), start, "counts-seeded")).sessions,
      users: (await seed(touched(runs, "users"), start, "counts-users")).sessions,
    };
    const { cookieName } = await getRuntime(isolate).fastPath();
    const cursors = new Map<string, number>();
    for (const run of runs) {
      let cursor = cursors.get(run.cursor) ?? 0;
      let at = start + run.startMs;
      for (const phase of run.phases) {
        const before = snapshot();
        const perRequestMs = phase.ms / Math.max(1, phase.requests);
        let failed = 0;
        for (let sent = 0; sent < phase.requests; sent += run.connections) {
          vi.setSystemTime(at + sent * perRequestMs);
          const batch = Math.min(run.connections, phase.requests - sent);
          const statuses = await Promise.all(
            Array.from({ length: batch }, () => {
              const session = pools[run.pool][cursor++ % run.sessions]!;
              return send(run.path, { headers: credentialHeaders(session, run.credential, cookieName) }).then((r) => r.status);
            }),
          );
          failed += statuses.filter((status) => status !== 200).length;
        }
        at += phase.ms;
        if (phase.measured) {
          const counts = diffCounts(snapshot(), before);
          result.checks.push({ scenario: run.scenario, round: run.round, requests: phase.requests, failed, counts });
        }
      }
      cursors.set(run.cursor, cursor);
    }
  }
  task.meta.checks = result.checks;
  expect(result.checks.every((check) => check.failed === 0)).toBe(true);
});

it("counts the storage calls of sign-up, sign-in, sign-out and a first check", { timeout: 0 }, async ({ task }) => {
  if (plan.operations > 0) {
    vi.setSystemTime(Date.now() + 3_600_000);
    const password = "correct horse battery staple";
    const headers = { origin: plan.origin, "x-auth-mode": "bearer" };
    const measure = async (name: string, once: (i: number) => Promise<Sent>) => {
      const before = snapshot();
      let failed = 0;
      for (let i = 0; i < plan.operations; i++) {
        const response = await once(i);
        if (response.status !== 200) {
          failed += 1;
          console.error(`${name}: ${response.status} ${response.body.slice(0, 200)}`);
        }
      }
      const entry: OperationCounts = { operation: name, requests: plan.operations, failed, counts: diffCounts(snapshot(), before) };
      result.operations.push(entry);
    };
    const emails = Array.from({ length: plan.operations }, (_, i) => `op-${i}-${crypto.randomUUID().slice(0, 8)}@bench.example`);
    const bearers: string[] = [];
    await measure("sign-up", (i) =>
      send("/api/auth/sign-up/email", { method: "POST", headers, json: { name: `Op ${i}`, email: emails[i], password } }),
    );
    await measure("sign-in", async (i) => {
      const response = await send("/api/auth/sign-in/email", { method: "POST", headers, json: { email: emails[i], password } });
      bearers.push(response.headers.get("set-auth-token") ?? "");
      return response;
    });
    // A session's first check in an isolate: the KV read and the D1 confirmation.
    const fresh = { ...isolate };
    await measure("first check in an isolate", async (i) => {
      const ctx = createExecutionContext();
      const request = new Request(new URL("/api/me", plan.origin), {
        headers: { authorization: `Bearer ${bearers[i]}`, "cf-connecting-ip": nextAddress() },
      });
      const response = await worker.fetch(request, fresh, ctx);
      const body = await response.text();
      await waitOnExecutionContext(ctx);
      return { status: response.status, headers: response.headers, body };
    });
    await measure("sign-out", (i) =>
      send("/api/auth/sign-out", { method: "POST", headers: { ...headers, authorization: `Bearer ${bearers[i]}` }, json: {} }),
    );
  }
  result.d1Statements = bindings.statements();
  task.meta.operations = result.operations;
  task.meta.d1Statements = result.d1Statements;
  expect(result.operations.every((op) => op.failed === 0)).toBe(true);
});
