#!/usr/bin/env node
// Load benchmark: the project Worker against a "stock" Better Auth setup (bench/stock),
// and the example consumer behind it, all under `wrangler dev` on this machine, driven by
// autocannon from this process. Also: bundle sizes, startup CPU and a new isolate's first
// requests, the scrypt cost, and the KV, D1 and Durable Object calls behind each scenario
// (counted in workerd by bench/counts). `npm run bench`; settings through BENCH_*
// environment variables (see bench/README.md).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { bundleSection, scryptSection } from "./lib/costs.mjs";
import { countsPlan, perRequest, perThousand, runCounts } from "./lib/counts.mjs";
import { fmt, round } from "./lib/format.mjs";
import { baselineOf, describeRun, measure, probe, runAutocannon, SCENARIOS } from "./lib/load.mjs";
import { cleanup, wasInterrupted, wranglerSync } from "./lib/processes.mjs";
import { printSummary, profileWhile, workerdInspector } from "./lib/profile.mjs";
import { consumerTable, operationsTable, resultsTable, sessionsTable } from "./lib/report.mjs";
import { createUsers, ipPool, randomSecret, seedSessions, startExample, startServer } from "./lib/servers.mjs";
import {
  BARE_CONFIG,
  CHILD_ENV,
  CONNECTIONS,
  COUNTS,
  DURATION,
  EXAMPLE_CONFIG,
  EXAMPLE_CONNECTIONS,
  EXTRA_VARS,
  IP_POOL,
  LOGS,
  MODE,
  PRODUCTION_BASE_URL,
  PROFILE,
  RESULTS,
  ROOT,
  ROUNDS,
  SESSION_COUNTS,
  SIGNIN_CONNECTIONS,
  SIGNIN_DURATION,
  STATE,
  selected,
  USERS,
  WARMUP,
} from "./lib/settings.mjs";
import { startupSection } from "./lib/startup.mjs";

async function main() {
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/:/g, "-");
  rmSync(STATE, { recursive: true, force: true });
  mkdirSync(LOGS, { recursive: true });
  const wranglerVersion = wranglerSync(["--version"], "wrangler --version").trim().split("\n").pop();
  const nodeVersion = spawnSync("node", ["--version"], { env: CHILD_ENV, encoding: "utf8" }).stdout.trim();
  console.log(
    `bench: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), load generator on Node ${process.version}, wrangler ${wranglerVersion} on Node ${nodeVersion}`,
  );
  console.log(
    `bench: ${DURATION} s per scenario at ${CONNECTIONS} connections (sign-in, sign-up: ${SIGNIN_DURATION} s at ${SIGNIN_CONNECTIONS}; ` +
      `example: ${EXAMPLE_CONNECTIONS}), ${WARMUP} s warm-up, ${ROUNDS} round(s), ${USERS} users per server, ` +
      `${SESSION_COUNTS.map((n) => n.toLocaleString("en")).join(" / ")} seeded sessions, ${IP_POOL} client addresses per server, ` +
      `project Worker in ${MODE} mode${Object.keys(EXTRA_VARS).length ? ` with ${process.env.BENCH_VARS}` : ""}${PROFILE ? ", CPU profiles on" : ""}` +
      `${process.env.BENCH_ONLY ? `, only ${process.env.BENCH_ONLY}` : ""}\n`,
  );
  const mainSecret = randomSecret();
  const projectVars = {
    ...(MODE === "production"
      ? // The outbox is refused in production: mail goes to Miniflare's local send_email binding.
        // Explicit, because .dev.vars (if present) would set MAIL_TRANSPORT=outbox.
        { ENVIRONMENT: "production", BASE_URL: PRODUCTION_BASE_URL, BETTER_AUTH_SECRET: mainSecret, MAIL_TRANSPORT: "send_email" }
      : { ENVIRONMENT: "development", BETTER_AUTH_SECRET: mainSecret, MAIL_TRANSPORT: "outbox" }),
    // The bench signs users up and checks their sessions; the verification mail is not clicked.
    REQUIRE_EMAIL_VERIFICATION: "false",
    ...EXTRA_VARS,
  };

  // Quiet-machine measurements first.
  const scrypt = selected("scrypt") ? scryptSection() : null;
  const bundleTargets = [
    ["project Worker", ["-c", "wrangler.toml"]],
    ["stock setup", ["-c", "bench/stock/wrangler.toml"]],
    ["bare Hono Worker", ["-c", path.relative(ROOT, BARE_CONFIG)]],
  ];
  if (existsSync(EXAMPLE_CONFIG)) bundleTargets.push(["example protected-worker", ["-c", path.relative(ROOT, EXAMPLE_CONFIG)]]);
  const bundles = selected("bundle") ? bundleSection(bundleTargets) : [];
  const startup = selected("startup") ? await startupSection({ stamp, projectVars, secret: mainSecret }) : null;

  // Servers, started only for the scenarios selected.
  const wanted = (key) => SCENARIOS.some((s) => s.servers.includes(key));
  const servers = [];
  const skipped = [];
  console.log("== starting servers");
  const seededCount = Math.max(0, ...SCENARIOS.map((s) => s.sessions ?? 0));
  let seeded = [];
  const mainServer = !wanted("project")
    ? null
    : await startServer({
        key: "project",
        label: "project Worker",
        configs: ["wrangler.toml"],
        migrateConfig: "wrangler.toml",
        persist: "main",
        vars: () => projectVars,
        readyPath: "/health",
        trustedOrigin: MODE === "production" ? PRODUCTION_BASE_URL : undefined,
        prepare: async (dir) => {
          if (seededCount > 0) seeded = await seedSessions(dir, { count: seededCount, secret: mainSecret, label: "project Worker" });
        },
      });
  if (mainServer) {
    mainServer.seeded = seeded;
    mainServer.cookieName = `${MODE === "production" ? "__Host-" : ""}better-auth.session_token`;
    console.log(
      `project Worker on ${mainServer.origin} (ready in ${mainServer.startupMs} ms; ${MODE} mode: ` +
        (MODE === "production" ? `BASE_URL ${PRODUCTION_BASE_URL})` : "base URL follows each request)"),
    );
    servers.push(mainServer);
  }
  if (wanted("stock")) {
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
  }
  for (const server of servers) {
    server.nextIp = ipPool(IP_POOL);
    const started = performance.now();
    server.users = await createUsers(server, USERS, server.nextIp, server.key);
    console.log(`${server.label}: ${server.users.length} users signed up in ${fmt(performance.now() - started)} ms`);
  }
  if (wanted("example")) {
    if (!existsSync(EXAMPLE_CONFIG)) {
      skipped.push({ scenario: "example", reason: `${path.relative(ROOT, EXAMPLE_CONFIG)} does not exist` });
    } else {
      try {
        const exampleServer = await startExample();
        console.log(
          `example protected-worker on ${exampleServer.origin} (ready in ${exampleServer.startupMs} ms, ${exampleServer.usersVia})`,
        );
        servers.push(exampleServer);
      } catch (error) {
        skipped.push({ scenario: "example", reason: error.message });
        console.log(`example: skipped, it did not start: ${error.message}`);
      }
    }
  }

  // Check every scenario answers 2xx once before loading it.
  const pairs = [];
  for (const scenario of SCENARIOS) {
    const targets = servers.filter((server) => scenario.servers.includes(server.key));
    for (const server of targets) {
      const result = await probe(scenario, server);
      if (result.status < 200 || result.status > 299) {
        console.log(`warning: ${server.label} ${scenario.label} answered ${result.status} to a probe: ${result.body}`);
      }
    }
    if (targets.length > 0) pairs.push({ scenario, targets });
  }
  // Scenario by scenario, the servers back to back; the order alternates to spread drift.
  const plan = [];
  for (let round = 0; round < ROUNDS; round++) {
    pairs.forEach(({ scenario, targets }, i) => {
      const ordered = (i + round) % 2 === 0 ? targets : [...targets].reverse();
      for (const server of ordered) plan.push({ scenario, server, round });
    });
  }

  console.log(`\n== load (${plan.length} runs${ROUNDS > 1 ? `, ${ROUNDS} rounds; the run with the median req/s is reported` : ""})`);
  const clockZero = performance.now();
  const samples = [];
  for (const { scenario, server, round } of plan) {
    const r = await measure(scenario, server, clockZero);
    r.round = round;
    if (scenario.sessions) r.sessions = scenario.sessions;
    else if (scenario.auth === "cookie" || scenario.auth === "bearer") r.users = server.users.length;
    samples.push(r);
    console.log(describeRun(r));
  }

  // Storage calls, counted in workerd on the same timeline.
  let counts = null;
  if (COUNTS && selected("counts") && mainServer) {
    const countPlan = countsPlan(samples, SCENARIOS, mainServer.trustedOrigin);
    console.log(
      `\n== counting KV, D1 and Durable Object calls: ${countPlan.checks.length} runs replayed in workerd (bench/counts), ` +
        `and ${countPlan.operations} of each operation`,
    );
    const started = performance.now();
    try {
      counts = await runCounts(countPlan, projectVars);
      console.log(`counted in ${fmt((performance.now() - started) / 1000)} s`);
      for (const check of counts.checks ?? []) {
        const sample = samples.find((r) => r.server === "project" && r.scenario === check.scenario && r.round === check.round);
        if (sample) {
          sample.counts = check.counts;
          sample.perThousand = perThousand(check.counts, check.requests);
        }
      }
      for (const op of counts.operations ?? []) op.perRequest = perRequest(op.counts, op.requests);
    } catch (error) {
      console.log(`counts: failed: ${error.message}`);
      skipped.push({ scenario: "counts", reason: error.message });
    }
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
  // Ratios: to the same server's baseline (/health, or the example's own GET /), and to stock.
  const find = (server, scenario) => runs.find((r) => r.server === server && r.scenario === scenario);
  for (const r of runs) {
    const scenario = SCENARIOS.find((s) => s.id === r.scenario);
    const baseline = find(r.server, baselineOf(scenario));
    r.ratioToBaseline = baseline && baseline !== r ? round(r.rps / baseline.rps, 3) : baseline === r ? 1 : null;
    if (r.server === "example") {
      const projectHealth = find("project", "health");
      r.ratioToProjectHealth = projectHealth ? round(r.rps / projectHealth.rps, 3) : null;
    }
    const stock = r.server === "project" ? find("stock", r.scenario) : null;
    r.ratioToStock = stock ? round(r.rps / stock.rps, 3) : null;
  }

  console.log("\n== results");
  console.log(resultsTable(runs));
  console.log(
    "vs /health: req/s over the same server's GET /health (example rows: over the example's own GET /); CPU ms/req: the server's process group.",
  );
  if (runs.some((r) => r.sessions !== undefined)) {
    console.log("\n== session checks over many sessions (storage calls per 1,000 checks: counted in workerd, one isolate)");
    console.log(sessionsTable(runs));
  }
  if (counts?.operations?.length) {
    console.log("\n== sign-up, sign-in, sign-out and a first check: storage calls per request (counted), and CPU under load");
    console.log(operationsTable(counts.operations, runs));
  }
  if (runs.some((r) => r.server === "example")) {
    console.log(`\n== the consumer path (${EXAMPLE_CONNECTIONS} connections)`);
    console.log(consumerTable(runs));
  }
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
  for (const r of runs.filter((r) => r.non2xx > 0 || r.errors > 0 || r.timeouts > 0)) {
    console.log(
      `note: ${r.serverLabel} ${r.scenarioLabel}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts, status codes ${JSON.stringify(r.statusCodes)}`,
    );
  }

  // CPU profiles under load: the project Worker and the stock setup answering /api/me (bearer),
  // the example consumer (and the auth Worker behind it) answering /private and GET /.
  const profiles = [];
  if (PROFILE) {
    const targets = [
      ["project", "me-bearer"],
      ["stock", "me-bearer"],
      ["example", "example-private"],
      ["example", "example-root"],
    ];
    for (const [key, id] of targets) {
      const server = servers.find((s) => s.key === key);
      const scenario = SCENARIOS.find((s) => s.id === id);
      if (!server || !scenario) continue;
      try {
        const inspector = await workerdInspector(server.entry);
        const seconds = Math.min(DURATION, 5);
        const { connections } = { connections: scenario.connections ?? CONNECTIONS };
        const captured = await profileWhile(inspector, () => runAutocannon(scenario, server, { connections, duration: seconds }));
        const files = captured.save(`${stamp}-${key}-${id}`);
        const rps = round(captured.result.requests.total / captured.result.duration, 1);
        profiles.push({ server: key, scenario: id, seconds, rpsWhileProfiling: rps, files, workers: captured.perWorker });
        for (const worker of captured.perWorker) {
          console.log(
            `\n== CPU profile: ${server.label}, ${scenario.label}, ${seconds} s (${fmt(rps, 1)} req/s while profiling), Worker ${worker.worker}`,
          );
          printSummary(worker);
        }
        console.log(`-> ${files.join(", ")}`);
      } catch (error) {
        console.log(`\nprofile of ${server.label} ${scenario.label}: failed: ${error.message}`);
      }
    }
  }

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
      exampleConnections: EXAMPLE_CONNECTIONS,
      warmupS: WARMUP,
      signInDurationS: SIGNIN_DURATION,
      signInConnections: SIGNIN_CONNECTIONS,
      users: USERS,
      sessions: SESSION_COUNTS,
      ipPool: IP_POOL,
      rounds: ROUNDS,
      mode: MODE,
      vars: EXTRA_VARS,
      only: process.env.BENCH_ONLY || null,
    },
    servers: servers.map((s) => ({
      key: s.key,
      label: s.label,
      startupMs: s.startupMs,
      users: s.users.length,
      ...(s.seeded?.length ? { seededSessions: s.seeded.length } : {}),
      ...(s.usersVia ? { usersVia: s.usersVia } : {}),
    })),
    scrypt,
    bundles,
    startup,
    runs,
    samples,
    counts,
    profiles,
    skipped,
  };
  mkdirSync(RESULTS, { recursive: true });
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
