#!/usr/bin/env node
// Load benchmark: the project Worker against a "stock" Better Auth setup (bench/stock),
// both under `wrangler dev` on this machine, driven by autocannon from this process.
// Also measures bundle sizes (wrangler deploy --dry-run) and the scrypt cost.
// `npm run bench`; settings through BENCH_* environment variables (see bench/README.md).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { measureBundle, timeScrypt } from "./lib/costs.mjs";
import { fmt, round, table } from "./lib/format.mjs";
import { measure, probe, SCENARIOS } from "./lib/load.mjs";
import { cleanup, wasInterrupted, wranglerSync } from "./lib/processes.mjs";
import { profile } from "./lib/profile.mjs";
import { createUsers, ipPool, randomSecret, startExample, startServer } from "./lib/servers.mjs";
import {
  CHILD_ENV,
  CONNECTIONS,
  DURATION,
  EXAMPLE_CONFIG,
  EXTRA_VARS,
  IP_POOL,
  LOGS,
  MODE,
  PRODUCTION_BASE_URL,
  PROFILE,
  RESULTS,
  ROOT,
  ROUNDS,
  SCRYPT_RUNS,
  SIGNIN_CONNECTIONS,
  SIGNIN_DURATION,
  STATE,
  USERS,
  WARMUP,
} from "./lib/settings.mjs";

async function main() {
  const startedAt = new Date();
  rmSync(STATE, { recursive: true, force: true });
  mkdirSync(LOGS, { recursive: true });
  const wranglerVersion = wranglerSync(["--version"], "wrangler --version").trim().split("\n").pop();
  const nodeVersion = spawnSync("node", ["--version"], { env: CHILD_ENV, encoding: "utf8" }).stdout.trim();
  console.log(
    `bench: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), load generator on Node ${process.version}, wrangler ${wranglerVersion} on Node ${nodeVersion}`,
  );
  console.log(
    `bench: ${DURATION} s per scenario at ${CONNECTIONS} connections (sign-in: ${SIGNIN_DURATION} s at ${SIGNIN_CONNECTIONS}), ` +
      `${WARMUP} s warm-up, ${ROUNDS} round(s), ${USERS} users per server, ${IP_POOL} client addresses per server, ` +
      `project Worker in ${MODE} mode${Object.keys(EXTRA_VARS).length ? ` with ${process.env.BENCH_VARS}` : ""}${PROFILE ? ", CPU profiles on" : ""}\n`,
  );

  // Quiet-machine measurements first.
  console.log("== password hashing (scrypt via node:crypto, in this Node process)");
  const betterAuthParams = { N: 16384, r: 16, p: 1 };
  const owaspParams = [
    { N: 2 ** 17, r: 8, p: 1 },
    { N: 2 ** 16, r: 8, p: 2 },
    { N: 2 ** 15, r: 8, p: 3 },
    { N: 2 ** 14, r: 8, p: 5 },
    { N: 2 ** 13, r: 8, p: 10 },
  ];
  const scrypt = {
    betterAuth: timeScrypt(betterAuthParams, SCRYPT_RUNS),
    owaspMinimums: owaspParams.map((params) => timeScrypt(params, Math.max(3, Math.round(SCRYPT_RUNS / 4)))),
  };
  const scryptRows = [
    [
      "Better Auth 1.7 default (stock setup)",
      `N=2^14 r=16 p=1`,
      fmt(scrypt.betterAuth.memoryMiB),
      scrypt.betterAuth.workNrp.toLocaleString("en"),
      fmt(scrypt.betterAuth.medianMs, 1),
      fmt(scrypt.betterAuth.medianCpuMs, 1),
      scrypt.betterAuth.runs,
    ],
    ...scrypt.owaspMinimums.map((s, i) => [
      i === 0 ? "OWASP minimum" : s.N === 2 ** 15 && s.r === 8 && s.p === 3 ? "OWASP equivalent (this project)" : "OWASP equivalent",
      `N=2^${Math.log2(s.N)} r=${s.r} p=${s.p}`,
      fmt(s.memoryMiB),
      s.workNrp.toLocaleString("en"),
      fmt(s.medianMs, 1),
      fmt(s.medianCpuMs, 1),
      s.runs,
    ]),
  ];
  console.log(table(["setting", "parameters", "memory MiB (128*N*r)", "N*r*p", "median ms", "median CPU ms", "runs"], scryptRows));
  const ba = scrypt.betterAuth;
  const owasp = scrypt.owaspMinimums[0];
  const ours = scrypt.owaspMinimums.find((s) => s.N === 2 ** 15 && s.r === 8 && s.p === 3);
  console.log(
    `Better Auth's default uses ${fmt(ba.memoryMiB)} MiB and ${fmt((ba.workNrp / owasp.workNrp) * 100)}% of the N*r*p work of OWASP's N=2^17 r=8 p=1 (${fmt(owasp.memoryMiB)} MiB), ` +
      `below the OWASP Password Storage Cheat Sheet minimum; this project hashes with the listed equivalent N=2^15 r=8 p=3 ` +
      `(${fmt(ours?.memoryMiB ?? 32)} MiB, ${fmt(ours?.medianCpuMs ?? 0, 1)} ms CPU here).`,
  );
  console.log(
    `Workers CPU limit: ${fmt(ours?.medianCpuMs ?? ba.medianCpuMs, 1)} ms per hash here (workerd's node:crypto scrypt is native too; edge CPUs differ). ` +
      `Paid plan: 30 s CPU per request by default (limits.cpu_ms up to 300000), so one hash per sign-in/sign-up is far below it; ` +
      `Free plan: 10 ms CPU per request, which one hash alone exceeds on this machine. ` +
      `Memory: an isolate has 128 MB, so OWASP's 128 MiB scrypt (N=2^17 r=8) cannot run in a Worker at all; the p>1 equivalents trade memory for time.\n`,
  );

  console.log("== bundle size (wrangler deploy --dry-run --minify, gzip level 9 via node:zlib)");
  const bundles = [];
  const bundleTargets = [
    ["project Worker", ["-c", "wrangler.toml"]],
    ["stock setup", ["-c", "bench/stock/wrangler.toml"]],
  ];
  if (existsSync(EXAMPLE_CONFIG)) bundleTargets.push(["example protected-worker", ["-c", path.relative(ROOT, EXAMPLE_CONFIG)]]);
  for (const [label, args] of bundleTargets) {
    try {
      bundles.push(measureBundle(label, args));
    } catch (error) {
      console.log(`${label}: bundle size not measured: ${error.message.split("\n").slice(0, 6).join(" | ")}`);
      bundles.push({ label, error: error.message });
    }
  }
  console.log(
    table(
      ["worker", "raw KiB", "gzip KiB", "wrangler says"],
      bundles.filter((b) => !b.error).map((b) => [b.label, fmt(b.rawKiB, 1), fmt(b.gzipKiB, 1), b.wranglerReport ?? "-"]),
      new Set([0, 3]),
    ),
  );
  console.log("");

  // Servers.
  console.log("== starting servers");
  const mainSecret = randomSecret();
  const servers = [];
  const skipped = [];
  const mainServer = await startServer({
    key: "project",
    label: "project Worker",
    configs: ["wrangler.toml"],
    migrateConfig: "wrangler.toml",
    persist: "main",
    vars: () => ({
      ...(MODE === "production"
        ? // The outbox is refused in production: mail goes to Miniflare's local send_email binding.
          // Explicit, because .dev.vars (if present) would set MAIL_TRANSPORT=outbox.
          { ENVIRONMENT: "production", BASE_URL: PRODUCTION_BASE_URL, BETTER_AUTH_SECRET: mainSecret, MAIL_TRANSPORT: "send_email" }
        : { ENVIRONMENT: "development", BETTER_AUTH_SECRET: mainSecret, MAIL_TRANSPORT: "outbox" }),
      // The bench signs users up and checks their sessions; the verification mail is not clicked.
      REQUIRE_EMAIL_VERIFICATION: "false",
      ...EXTRA_VARS,
    }),
    readyPath: "/health",
    trustedOrigin: MODE === "production" ? PRODUCTION_BASE_URL : undefined,
  });
  console.log(
    `project Worker on ${mainServer.origin} (ready in ${mainServer.startupMs} ms; ${MODE} mode: ` +
      (MODE === "production" ? `BASE_URL ${PRODUCTION_BASE_URL})` : "base URL follows each request)"),
  );
  servers.push(mainServer);
  const stockServer = await startServer({
    key: "stock",
    label: "stock setup",
    configs: ["bench/stock/wrangler.toml"],
    migrateConfig: "bench/stock/wrangler.toml",
    persist: "stock",
    vars: (port) => ({ BETTER_AUTH_SECRET: randomSecret(), BETTER_AUTH_URL: `http://localhost:${port}` }),
    readyPath: "/health",
  });
  console.log(`stock setup on ${stockServer.origin} (ready in ${stockServer.startupMs} ms)`);
  servers.push(stockServer);

  let exampleServer = null;
  if (!existsSync(EXAMPLE_CONFIG)) {
    skipped.push({ scenario: "example-private", reason: `${path.relative(ROOT, EXAMPLE_CONFIG)} does not exist` });
    console.log(`example /private: skipped (${path.relative(ROOT, EXAMPLE_CONFIG)} does not exist)`);
  } else {
    try {
      exampleServer = await startExample();
      console.log(
        `example protected-worker on ${exampleServer.origin} (ready in ${exampleServer.startupMs} ms, ${exampleServer.usersVia})`,
      );
    } catch (error) {
      skipped.push({ scenario: "example-private", reason: error.message });
      console.log(`example /private: skipped, it did not start: ${error.message}`);
    }
  }

  // Users and sessions (the example's were created when it started).
  for (const server of [mainServer, stockServer]) {
    server.nextIp = ipPool(IP_POOL);
    const started = performance.now();
    server.users = await createUsers(server, USERS, server.nextIp, server.key);
    console.log(`${server.label}: ${server.users.length} users signed up in ${fmt(performance.now() - started)} ms`);
  }
  if (exampleServer) servers.push(exampleServer);

  // Check every scenario answers 2xx once before loading it.
  const pairs = [];
  for (const scenario of SCENARIOS) {
    const targets = servers.filter((server) => Boolean(scenario.exampleOnly) === (server.key === "example"));
    for (const server of targets) {
      const result = await probe(scenario, server);
      if (result.status < 200 || result.status > 299) {
        console.log(`warning: ${server.label} ${scenario.label} answered ${result.status} to a probe: ${result.body}`);
      }
    }
    if (targets.length > 0) pairs.push({ scenario, targets });
  }
  // Scenario by scenario, both servers back to back; the order alternates to spread drift.
  const plan = [];
  for (let round = 0; round < ROUNDS; round++) {
    pairs.forEach(({ scenario, targets }, i) => {
      const ordered = (i + round) % 2 === 0 ? targets : [...targets].reverse();
      for (const server of ordered) plan.push({ scenario, server, round });
    });
  }

  console.log(`\n== load (${plan.length} runs${ROUNDS > 1 ? `, ${ROUNDS} rounds; the run with the median req/s is reported` : ""})`);
  const samples = [];
  for (const { scenario, server, round } of plan) {
    const r = await measure(scenario, server);
    r.round = round;
    samples.push(r);
    const codes = Object.entries(r.statusCodes)
      .map(([c, n]) => `${c}:${n}`)
      .join(" ");
    const other =
      (r.otherCpuCores === null ? "" : `  other CPU ${fmt(r.otherCpuCores, 2)} cores`) +
      (r.restarted ? `  (wrangler processes changed during the run: ${r.restarted.join(", ")}; a reload?)` : "");
    console.log(
      `${server.label.padEnd(15)} ${scenario.label.padEnd(35)} ${fmt(r.rps, 1).padStart(8)} req/s  p50 ${r.latencyMs.p50} ms  p99 ${r.latencyMs.p99} ms  [${codes}]${r.errors ? ` errors:${r.errors}` : ""}${other}`,
    );
  }
  const runs = [];
  for (const { scenario, targets } of pairs) {
    for (const server of targets) {
      const mine = samples.filter((r) => r.server === server.key && r.scenario === scenario.id).sort((a, b) => a.rps - b.rps);
      const median = { ...mine[Math.floor((mine.length - 1) / 2)] };
      if (mine.length > 1) median.roundsRps = mine.map((r) => r.rps);
      runs.push(median);
    }
  }

  // Ratios.
  const find = (server, scenario) => runs.find((r) => r.server === server && r.scenario === scenario);
  for (const r of runs) {
    const health = find(r.server === "example" ? "project" : r.server, "health");
    r.ratioToHealth = health && r.scenario !== "health" ? round(r.rps / health.rps, 3) : r.scenario === "health" ? 1 : null;
    if (r.server === "example") r.ratioToHealthNote = "relative to the project Worker's /health";
    const stock = r.server === "project" ? find("stock", r.scenario) : null;
    r.ratioToStock = stock ? round(r.rps / stock.rps, 3) : null;
  }

  console.log("\n== results");
  const rows = runs.map((r) => [
    r.serverLabel,
    r.scenarioLabel,
    r.connections,
    fmt(r.rps, 1),
    fmt(r.latencyMs.p50),
    fmt(r.latencyMs.p99),
    r.errors + r.timeouts,
    r.non2xx,
    r.ratioToHealth === null ? "-" : `${fmt(r.ratioToHealth, 2)}${r.server === "example" ? "*" : ""}`,
    r.ratioToStock === null ? "-" : `${fmt(r.ratioToStock, 2)}x`,
    r.otherCpuCores === null ? "-" : fmt(r.otherCpuCores, 2),
  ]);
  console.log(
    table(["server", "scenario", "conns", "req/s", "p50 ms", "p99 ms", "errors", "non-2xx", "vs /health", "vs stock", "other CPU"], rows),
  );
  if (exampleServer) console.log("* example rows: ratio to the project Worker's /health (the example Worker has no /health of its own).");
  for (const s of skipped) console.log(`skipped: ${s.scenario}: ${s.reason.split("\n")[0]}`);
  const busy = samples.filter((r) => r.otherCpuCores !== null && r.otherCpuCores > 0.2);
  if (busy.length > 0) {
    console.log(
      `warning: other processes used more than 0.2 CPU cores during ${busy.length} of ${samples.length} runs ` +
        `(max ${fmt(Math.max(...busy.map((r) => r.otherCpuCores)), 2)} of ${os.cpus().length}); those numbers are skewed. Re-run on an idle machine.`,
    );
  }
  const restarted = samples.filter((r) => r.restarted);
  if (restarted.length > 0) {
    console.log(
      `warning: wrangler processes started or ended during ${restarted.length} run(s) (${restarted.map((r) => `${r.serverLabel} ${r.scenarioLabel}`).join("; ")}). ` +
        "wrangler dev reloads when a source file changes; those runs measured a reload.",
    );
  }
  const odd = runs.filter((r) => r.non2xx > 0 || r.errors > 0 || r.timeouts > 0);
  for (const r of odd) {
    console.log(
      `note: ${r.serverLabel} ${r.scenarioLabel}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts, status codes ${JSON.stringify(r.statusCodes)}`,
    );
  }

  // CPU profiles of the Workers while they answer /api/me (bearer).
  const profiles = [];
  if (PROFILE) {
    if (typeof WebSocket !== "function") {
      console.log("\nprofile: skipped, this Node has no global WebSocket (use Node 22: npm run bench)");
    } else {
      const stamp = startedAt.toISOString().replace(/:/g, "-");
      const scenario = SCENARIOS.find((s) => s.id === "me-bearer");
      for (const server of [mainServer, stockServer]) {
        try {
          const summary = { server: server.key, scenario: scenario.id, ...(await profile(scenario, server, stamp)) };
          profiles.push(summary);
          console.log(
            `\n== CPU profile: ${server.label}, ${scenario.label}, ${summary.seconds} s (${fmt(summary.rpsWhileProfiling, 1)} req/s while profiling) -> ${summary.file}`,
          );
          console.log("self time by package or source file:");
          console.log(summary.byPackage.map((e) => `  ${fmt(e.pct, 1).padStart(5)}%  ${e.where}`).join("\n"));
          console.log("inclusive time (function [package]):");
          console.log(summary.inclusive.map((e) => `  ${fmt(e.pct, 1).padStart(5)}%  ${e.where}`).join("\n"));
        } catch (error) {
          console.log(`\nprofile of ${server.label}: failed: ${error.message}`);
        }
      }
    }
  }

  // Results.
  const finishedAt = new Date();
  const report = {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? null,
      platform: `${os.platform()} ${os.release()}`,
      loadGeneratorNode: process.version,
      wranglerNode: nodeVersion,
      wrangler: wranglerVersion,
    },
    settings: {
      durationS: DURATION,
      connections: CONNECTIONS,
      warmupS: WARMUP,
      signInDurationS: SIGNIN_DURATION,
      signInConnections: SIGNIN_CONNECTIONS,
      users: USERS,
      ipPool: IP_POOL,
      rounds: ROUNDS,
      mode: MODE,
      vars: EXTRA_VARS,
    },
    servers: servers.map((s) => ({
      key: s.key,
      label: s.label,
      startupMs: s.startupMs,
      users: s.users.length,
      ...(s.usersVia ? { usersVia: s.usersVia } : {}),
    })),
    scrypt,
    bundles,
    runs,
    samples,
    profiles,
    skipped,
  };
  mkdirSync(RESULTS, { recursive: true });
  const stamp = startedAt.toISOString().replace(/:/g, "-");
  const json = `${JSON.stringify(report, null, 2)}\n`;
  writeFileSync(path.join(RESULTS, `${stamp}.json`), json);
  writeFileSync(path.join(RESULTS, "latest.json"), json);
  console.log(`\nwrote bench/results/${stamp}.json and bench/results/latest.json`);
}

try {
  await main();
} catch (error) {
  // After Ctrl-C, requests to the stopped servers fail: that is not worth a stack trace.
  if (!wasInterrupted()) console.error(`\nbench failed: ${error.stack ?? error}`);
  process.exitCode = wasInterrupted() ? 130 : 1;
} finally {
  await cleanup();
  // An inspector WebSocket or an autocannon socket must not keep the process alive.
  process.exit(process.exitCode ?? 0);
}
