// The KV, D1 and Durable Object calls behind the scenarios, counted in workerd by
// bench/counts (Vitest with the Cloudflare pool): this side writes the plan (the timeline
// of the runs as they happened) and reads the counts back.
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { round } from "./format.mjs";
import { cursorOf } from "./load.mjs";
import { tail } from "./processes.mjs";
import { CHILD_ENV, COUNT_OPERATIONS, LOGS, ROOT, STATE } from "./settings.mjs";

/**
 * The plan: every measured session-check run of the project Worker, in the order and at
 * the rate it ran, with its warm-up; `pool` keeps the signed-up users' sessions apart
 * from the seeded ones, as they were.
 */
export function countsPlan(samples, scenarios, origin) {
  const checks = samples
    .filter((r) => r.server === "project")
    .map((r) => ({ run: r, scenario: scenarios.find((s) => s.id === r.scenario) }))
    .filter(({ scenario }) => scenario && (scenario.auth === "cookie" || scenario.auth === "bearer"));
  const zero = Math.min(...checks.map(({ run }) => run.timeline.warmup.startMs));
  return {
    origin,
    operations: COUNT_OPERATIONS,
    checks: checks.map(({ run, scenario }) => ({
      scenario: scenario.id,
      cursor: cursorOf(scenario),
      round: run.round,
      path: scenario.path,
      credential: scenario.auth,
      pool: scenario.sessions ? "seeded" : "users",
      sessions: scenario.sessions ?? run.users,
      connections: run.connections,
      startMs: run.timeline.warmup.startMs - zero,
      phases: [
        { requests: run.timeline.warmup.requests, ms: run.timeline.warmup.ms, measured: false },
        { requests: run.timeline.measured.requests, ms: run.timeline.measured.ms, measured: true },
      ],
    })),
  };
}

/** Runs the counts (`vitest run --config bench/counts/vitest.config.ts`) and returns their result. */
export async function runCounts(plan, vars) {
  const planFile = path.join(STATE, "counts-plan.json");
  const outFile = path.join(STATE, "counts-result.json");
  writeFileSync(planFile, JSON.stringify(plan));
  const logPath = path.join(LOGS, "counts.log");
  const log = createWriteStream(logPath);
  const child = spawn("vitest", ["run", "--config", "bench/counts/vitest.config.ts"], {
    cwd: ROOT,
    env: { ...CHILD_ENV, BENCH_COUNTS_PLAN: planFile, BENCH_COUNTS_OUT: outFile, BENCH_COUNTS_VARS: JSON.stringify(vars) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const code = await new Promise((resolve) => child.on("exit", (c, signal) => resolve(c ?? signal)));
  await new Promise((resolve) => log.end(resolve));
  if (code !== 0 || !existsSync(outFile))
    throw new Error(`the read counts failed (exit ${code}); ${path.relative(ROOT, logPath)}:\n${tail(logPath, 40)}`);
  return JSON.parse(readFileSync(outFile, "utf8"));
}

/** Per 1,000 requests, rounded to one decimal. */
export function perThousand(counts, requests) {
  return Object.fromEntries(Object.entries(counts).map(([key, value]) => [key, round((value / Math.max(1, requests)) * 1000, 1)]));
}

/** Per request, rounded to two decimals. */
export function perRequest(counts, requests) {
  return Object.fromEntries(Object.entries(counts).map(([key, value]) => [key, round(value / Math.max(1, requests), 2)]));
}
