// A new isolate: the startup CPU time (`wrangler check startup`, which profiles the
// Worker's module evaluation in local workerd) and the first requests' latency after a
// fresh `wrangler dev`, for the project Worker and a bare Hono Worker (bench/bare).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fmt, round, table } from "./format.mjs";
import { freePort, sleep, startWrangler, stopWrangler, wranglerSync } from "./processes.mjs";
import { printSummary, profileWhile, sampleWeights, sectionsOf, summarize, workerdInspector } from "./profile.mjs";
import { BARE_CONFIG, RESULTS, ROOT, STARTUP_RUNS, STATE } from "./settings.mjs";

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length === 0 ? null : sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Active (non-idle) and garbage-collection milliseconds of a CPU profile, samples weighed as {@link sampleWeights} says. */
function activeMs(prof) {
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const weights = sampleWeights(prof);
  let active = 0;
  let gc = 0;
  prof.samples.forEach((id, i) => {
    const name = byId.get(id).callFrame.functionName;
    const delta = weights[i] / 1000;
    if (name === "(idle)") return;
    active += delta;
    if (name === "(garbage collector)") gc += delta;
  });
  return { activeMs: round(active, 1), gcMs: round(gc, 1) };
}

/**
 * `wrangler check startup` on the deployable bundle (`wrangler deploy --dry-run --minify
 * --outfile`), `STARTUP_RUNS` times; the median active CPU time. With `attribute`, one more
 * run on the unminified bundle says which packages the time goes to.
 */
export function startupCpu(label, config, { attribute = false, stamp } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-startup-"));
  try {
    const bundle = path.join(dir, "worker.bundle");
    wranglerSync(["deploy", "--dry-run", "--minify", "--outfile", bundle, "-c", config], `${label}: wrangler deploy --dry-run --outfile`);
    const runs = [];
    for (let i = 0; i < STARTUP_RUNS; i++) {
      const out = path.join(dir, `startup-${i}.cpuprofile`);
      wranglerSync(["check", "startup", "-c", config, "--worker", bundle, "--outfile", out], `${label}: wrangler check startup`);
      runs.push(activeMs(JSON.parse(readFileSync(out, "utf8"))));
    }
    const result = {
      label,
      runs,
      medianActiveMs: round(median(runs.map((r) => r.activeMs)), 1),
      medianGcMs: round(median(runs.map((r) => r.gcMs)), 1),
    };
    if (attribute) {
      // The unminified bundle keeps esbuild's `// path` markers: its profile maps to packages.
      const plain = path.join(dir, "plain.bundle");
      const plainDir = path.join(dir, "plain");
      wranglerSync(["deploy", "--dry-run", "--outfile", plain, "-c", config], `${label}: unminified bundle`);
      wranglerSync(["deploy", "--dry-run", "--outdir", plainDir, "-c", config], `${label}: unminified source`);
      const out = path.join(RESULTS, `${stamp}-startup-${label.replace(/\W+/g, "-")}.cpuprofile`);
      wranglerSync(
        ["check", "startup", "-c", config, "--worker", plain, "--outfile", out],
        `${label}: wrangler check startup (unminified)`,
      );
      const prof = JSON.parse(readFileSync(out, "utf8"));
      const where = sectionsOf(readFileSync(path.join(plainDir, "index.js"), "utf8"));
      result.profile = {
        file: path.relative(ROOT, out),
        ...activeMs(prof),
        ...summarize(prof, (node) => (node.callFrame.url.endsWith("index.js") ? where : null)),
      };
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Fresh `wrangler dev` starts (`STARTUP_RUNS` of them): the first requests a new isolate
 * answers, then the same requests warm. `requests` are { name, path, headers }. Readiness
 * is read from workerd's inspector (the Worker is loaded), so no request reaches the
 * Worker before the first measured one. With `profileFirst`, the first start profiles
 * the first request of that name.
 */
export async function firstRequests({ key, label, config, vars, requests, prepare, profileFirst, stamp }) {
  const starts = [];
  let profile = null;
  for (let run = 0; run < STARTUP_RUNS; run++) {
    const persistDir = path.join(STATE, `first-${key}`);
    rmSync(persistDir, { recursive: true, force: true });
    const prepared = await prepare?.(persistDir);
    const port = await freePort();
    const args = ["dev", "-c", config, "--port", String(port), "--inspector-port", String(await freePort())];
    args.push("--persist-to", persistDir, "--log-level", "warn", "--show-interactive-dev-session=false");
    for (const [name, value] of Object.entries(vars)) args.push("--var", `${name}:${value}`);
    const entry = startWrangler(`first-${key}`, args);
    try {
      const inspector = await workerdInspector(entry, 60_000);
      await sleep(1000); // the proxy hears the Worker is ready
      const origin = `http://localhost:${port}`;
      const timed = async ({ path: p, headers }) => {
        const started = performance.now();
        const res = await fetch(origin + p, { headers: { "cf-connecting-ip": "198.18.0.1", ...headers?.(prepared) } });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${label}: GET ${p} answered ${res.status}`);
        return performance.now() - started;
      };
      const first = {};
      for (const request of requests) {
        if (profileFirst === request.name && run === 0) {
          const captured = await profileWhile(inspector, () => timed(request));
          first[request.name] = captured.result;
          profile = { file: captured.save(`${stamp}-first-${key}-${request.name}`), ...captured.summary };
        } else {
          first[request.name] = await timed(request);
        }
      }
      const warm = {};
      for (const request of requests) {
        const times = [];
        for (let i = 0; i < 20; i++) times.push(await timed(request));
        warm[request.name] = median(times);
      }
      starts.push({ first, warm });
    } finally {
      await stopWrangler(entry);
    }
  }
  const byName = (which, name) => round(median(starts.map((s) => s[which][name])), 1);
  return {
    key,
    label,
    starts,
    requests: requests.map(({ name, path: p }) => ({ name, path: p, firstMs: byName("first", name), warmMs: byName("warm", name) })),
    profile,
  };
}

/** Writes one seeded session's KV copy and rows for the first-request runs; returns its bearer credential. */
export async function oneSession(persistDir, secret) {
  const { makeSessions, seedSql } = await import("./sessions.mjs");
  const seed = await makeSessions({ count: 1, secret, prefix: "first" });
  const [session] = seed.sessions;
  wranglerSync(
    ["d1", "migrations", "apply", "DB", "--local", "-c", "wrangler.toml", "--persist-to", persistDir],
    "first request: D1 migrations",
  );
  const sqlFile = path.join(STATE, "first-seed.sql");
  writeFileSync(sqlFile, seedSql(seed).join("\n"));
  wranglerSync(
    ["d1", "execute", "DB", "--local", "-c", "wrangler.toml", "--persist-to", persistDir, "--file", sqlFile],
    "first request: D1 seed",
  );
  const valueFile = path.join(STATE, "first-seed.json");
  writeFileSync(valueFile, session.kv.value);
  wranglerSync(
    [
      "kv",
      "key",
      "put",
      session.kv.key,
      "--path",
      valueFile,
      "--binding",
      "SESSION_KV",
      "--local",
      "--persist-to",
      persistDir,
      "-c",
      "wrangler.toml",
      "--metadata",
      JSON.stringify(session.kv.metadata),
      "--ttl",
      String(session.kv.expirationTtl),
    ],
    "first request: KV seed",
  );
  return session;
}

/**
 * Startup CPU of the project Worker, the bare Hono Worker and the stock setup, and the
 * first requests of a new isolate of the project Worker and of the bare Worker. Prints
 * both tables; returns what they show.
 */
export async function startupSection({ stamp, projectVars, secret }) {
  console.log(`== a new isolate (wrangler check startup, ${STARTUP_RUNS} runs each; ${STARTUP_RUNS} fresh wrangler dev starts each)`);
  const cpu = [
    startupCpu("project Worker", "wrangler.toml", { attribute: true, stamp }),
    startupCpu("bare Hono Worker", path.relative(ROOT, BARE_CONFIG)),
    startupCpu("stock setup", "bench/stock/wrangler.toml"),
  ];
  const firsts = [
    await firstRequests({
      key: "project",
      label: "project Worker",
      config: "wrangler.toml",
      vars: projectVars,
      prepare: (dir) => oneSession(dir, secret),
      requests: [
        { name: "health", path: "/health" },
        { name: "check", path: "/api/me", headers: (session) => ({ authorization: `Bearer ${session.signed}` }) },
      ],
      profileFirst: "check",
      stamp,
    }),
    await firstRequests({
      key: "bare",
      label: "bare Hono Worker",
      config: path.relative(ROOT, BARE_CONFIG),
      vars: {},
      requests: [{ name: "health", path: "/health" }],
      stamp,
    }),
  ];
  const first = (label, name) => firsts.find((f) => f.label === label)?.requests.find((r) => r.name === name);
  console.log(
    table(
      [
        "worker",
        "startup CPU ms (median)",
        "of which GC",
        "runs",
        "first GET /health ms",
        "warm GET /health ms",
        "first session check ms",
        "warm session check ms",
      ],
      cpu.map((c) => [
        c.label,
        fmt(c.medianActiveMs, 1),
        fmt(c.medianGcMs, 1),
        c.runs.map((r) => fmt(r.activeMs, 0)).join(" "),
        fmt(first(c.label, "health")?.firstMs, 1),
        fmt(first(c.label, "health")?.warmMs, 1),
        fmt(first(c.label, "check")?.firstMs, 1),
        fmt(first(c.label, "check")?.warmMs, 1),
      ]),
      new Set([0, 3]),
    ),
  );
  console.log(
    "startup CPU: module evaluation as `wrangler check startup` profiles it in local workerd (Cloudflare's own limit: 1 s).\n" +
      "first requests: right after a fresh `wrangler dev` (the Worker loaded, no request yet), medians over the starts; warm: the median of 20 more.",
  );
  const project = cpu[0].profile;
  if (project) {
    console.log(`\nproject Worker startup, unminified (${project.activeMs} ms active) -> ${project.file}`);
    printSummary(project);
  }
  const check = firsts[0].profile;
  if (check) {
    console.log(`\nproject Worker, the first session check of a new isolate -> ${check.file.join(", ")}`);
    printSummary(check);
  }
  console.log("");
  return { cpu, firsts };
}
