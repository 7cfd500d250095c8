#!/usr/bin/env node
// Load benchmark: the project Worker against a "stock" Better Auth setup (bench/stock),
// both under `wrangler dev` on this machine, driven by autocannon from this process.
// Also measures bundle sizes (wrangler deploy --dry-run) and the scrypt cost.
// `npm run bench`; settings through BENCH_* environment variables (see bench/README.md).
import autocannon from "autocannon";
import { spawn, spawnSync } from "node:child_process";
import { randomBytes, randomInt, scryptSync } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BENCH = path.join(ROOT, "bench");
const STATE = path.join(BENCH, ".state");
const LOGS = path.join(STATE, "logs");
const RESULTS = path.join(BENCH, "results");
const BIN = path.join(ROOT, "node_modules", ".bin");
const EXAMPLE_CONFIG = path.join(ROOT, "examples", "protected-worker", "wrangler.toml");

// ---------------------------------------------------------------- settings

const num = (name, fallback) => {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number (got "${raw}")`);
  return value;
};
const DURATION = num("BENCH_DURATION", 10);
const CONNECTIONS = Math.round(num("BENCH_CONNECTIONS", 10));
const WARMUP = num("BENCH_WARMUP", 2);
const SIGNIN_DURATION = num("BENCH_SIGNIN_DURATION", Math.max(2, Math.ceil(DURATION / 2)));
const SIGNIN_CONNECTIONS = Math.round(num("BENCH_SIGNIN_CONNECTIONS", Math.max(1, Math.floor(CONNECTIONS / 5))));
const USERS = Math.round(num("BENCH_USERS", 20));
const IP_POOL = Math.round(num("BENCH_IP_POOL", 8192));
const SCRYPT_RUNS = Math.round(num("BENCH_SCRYPT_RUNS", 20));
const ROUNDS = Math.round(num("BENCH_ROUNDS", 1));
const MODE = process.env.BENCH_MODE || "production";
if (MODE !== "development" && MODE !== "production") throw new Error(`BENCH_MODE must be "development" or "production" (got "${MODE}")`);
const PROFILE = process.env.BENCH_PROFILE === "1";
/** Extra `[vars]` for the project Worker, e.g. `SESSION_MEMORY_SECONDS=0`. */
const EXTRA_VARS = Object.fromEntries(
  (process.env.BENCH_VARS ?? "")
    .split(",")
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf("=");
      if (eq < 1) throw new Error(`BENCH_VARS takes NAME=value pairs separated by commas (got "${pair}")`);
      return [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
    }),
);
/** BASE_URL of the project Worker in production mode (never resolved: requests go to localhost). */
const PRODUCTION_BASE_URL = "https://auth.bench.example";
const PASSWORD = "correct horse battery staple";

// Children run on the project's Node (node_modules/.bin first), quietly and offline.
const CHILD_ENV = {
  ...process.env,
  PATH: `${BIN}${path.delimiter}${process.env.PATH ?? ""}`,
  CI: "true",
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false", // no internet: skip fetching the Request.cf placeholder
  NO_COLOR: "1",
  WRANGLER_LOG_PATH: LOGS, // wrangler's debug logs stay with this run instead of ~/.config/.wrangler/logs
  FORCE_COLOR: "0",
};

// ---------------------------------------------------------------- process handling

/** Every wrangler process group this script started, by leader pid. */
const children = new Map();
let cleaningUp = null;
let interrupted = false;

function startWrangler(name, args) {
  mkdirSync(LOGS, { recursive: true });
  const logPath = path.join(LOGS, `${name}.log`);
  const log = createWriteStream(logPath);
  // detached: the child leads a new process group, so wrangler, its Node and workerd die together.
  const child = spawn("wrangler", args, { cwd: ROOT, env: CHILD_ENV, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const entry = { name, child, logPath, exited: false, exitCode: null };
  child.on("exit", (code, signal) => {
    entry.exited = true;
    entry.exitCode = code ?? signal;
  });
  children.set(child.pid, entry);
  return entry;
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

async function stopWrangler(entry) {
  if (!children.has(entry.child.pid)) return;
  killGroup(entry.child.pid, "SIGTERM");
  const deadline = Date.now() + 5000;
  while (!entry.exited && Date.now() < deadline) await sleep(100);
  // workerd may outlive the wrangler process that leads the group.
  killGroup(entry.child.pid, "SIGKILL");
  children.delete(entry.child.pid);
}

function cleanup() {
  cleaningUp ??= Promise.all([...children.values()].map(stopWrangler));
  return cleaningUp;
}

process.on("exit", () => {
  for (const pid of children.keys()) killGroup(pid, "SIGKILL");
});
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    interrupted = true;
    console.error(`\n${signal}: stopping wrangler processes`);
    cleanup().finally(() => process.exit(130));
  });
}

function tail(file, lines = 30) {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

// ---------------------------------------------------------------- helpers

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Runs a wrangler command to completion; throws with its output on failure. */
function wranglerSync(args, what) {
  const run = spawnSync("wrangler", args, { cwd: ROOT, env: CHILD_ENV, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) {
    throw new Error(`${what} failed (exit ${run.status ?? run.signal}):\n${(run.stdout ?? "") + (run.stderr ?? "")}`.trimEnd());
  }
  return (run.stdout ?? "") + (run.stderr ?? "");
}

async function waitReady(entry, url, accept = (status) => status === 200, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (entry.exited) throw new Error(`${entry.name}: wrangler exited (${entry.exitCode}) before ${url} answered.\n${tail(entry.logPath)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      await res.arrayBuffer();
      if (accept(res.status)) return;
      last = `HTTP ${res.status}`;
    } catch (error) {
      last = error.cause?.code ?? error.message;
    }
    await sleep(300);
  }
  throw new Error(`${entry.name}: ${url} not ready after ${timeoutMs / 1000} s (last: ${last}).\n${tail(entry.logPath)}`);
}

/** A pool of distinct random IPv4 addresses, handed out round-robin. */
function ipPool(size) {
  const set = new Set();
  while (set.size < size) set.add(`${randomInt(1, 224)}.${randomInt(0, 256)}.${randomInt(0, 256)}.${randomInt(1, 255)}`);
  const list = [...set];
  let i = 0;
  return () => list[i++ % list.length];
}

const randomSecret = () => randomBytes(32).toString("base64url"); // 43 characters

// ---------------------------------------------------------------- servers

/**
 * Starts one wrangler dev server on a fresh persist dir, after applying the D1 migrations.
 * `configs` are wrangler config paths, the first one served on the port.
 */
async function startServer({ key, label, configs, migrateConfig, persist, vars, readyPath, accept, trustedOrigin }) {
  const persistDir = path.join(STATE, persist);
  rmSync(persistDir, { recursive: true, force: true });
  wranglerSync(["d1", "migrations", "apply", "DB", "--local", "-c", migrateConfig, "--persist-to", persistDir], `${label}: D1 migrations`);
  const port = await freePort();
  const inspectorPort = await freePort();
  const args = ["dev", ...configs.flatMap((config) => ["-c", config]), "--port", String(port), "--inspector-port", String(inspectorPort)];
  args.push("--persist-to", persistDir, "--log-level", "warn", "--show-interactive-dev-session=false");
  for (const [name, value] of Object.entries(vars(port))) args.push("--var", `${name}:${value}`);
  const entry = startWrangler(key, args);
  const origin = `http://localhost:${port}`;
  const started = performance.now();
  await waitReady(entry, origin + readyPath, accept);
  // origin: where requests go; trustedOrigin: the Origin header credential routes need.
  return { key, label, port, inspectorPort, origin, trustedOrigin: trustedOrigin ?? origin, entry, startupMs: Math.round(performance.now() - started) };
}

/** Signs up `count` users through the HTTP API; returns their email, cookie and bearer token. */
async function createUsers(server, count, nextIp, prefix) {
  const users = [];
  const queue = Array.from({ length: count }, (_, i) => i);
  const worker = async () => {
    for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
      const email = `${prefix}-${i}-${randomBytes(4).toString("hex")}@bench.example`;
      const res = await fetch(`${server.origin}/api/auth/sign-up/email`, {
        method: "POST",
        // x-auth-mode: the project Worker hands a bearer token to a request with an Origin only when asked.
        headers: { "content-type": "application/json", origin: server.trustedOrigin, "x-auth-mode": "bearer", "cf-connecting-ip": nextIp() },
        body: JSON.stringify({ name: `Bench ${i}`, email, password: PASSWORD }),
      });
      const text = await res.text();
      const bearer = res.headers.get("set-auth-token");
      const cookie = res.headers
        .getSetCookie()
        .map((c) => c.split(";")[0])
        .find((c) => /^(__Secure-|__Host-)?better-auth\.session_token=/.test(c));
      if (res.status !== 200 || !bearer || !cookie) {
        throw new Error(`${server.label}: sign-up of ${email} answered ${res.status} (bearer: ${!!bearer}, cookie: ${!!cookie}): ${text.slice(0, 300)}`);
      }
      users.push({ email, cookie, bearer });
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return users;
}

// ---------------------------------------------------------------- CPU used by other processes

/**
 * Busy CPU time of the whole machine and of this benchmark's own processes (this Node
 * process, which runs autocannon, and every wrangler process group it started), in
 * USER_HZ ticks, from /proc. `null` where /proc is not available.
 */
function cpuSnapshot() {
  try {
    const fields = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: busy = all but idle and iowait.
    const busy = fields.slice(0, 8).reduce((a, b) => a + b, 0) - fields[3] - fields[4];
    const groups = new Set([...children.keys()]);
    const ours = new Map(); // pid -> { ticks, pgid }
    for (const name of readdirSync("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      let stat;
      try {
        stat = readFileSync(`/proc/${name}/stat`, "utf8");
      } catch {
        continue;
      }
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields from 3 (state) on
      const pgid = Number(rest[2]);
      if (Number(name) === process.pid || groups.has(pgid)) ours.set(Number(name), { ticks: Number(rest[11]) + Number(rest[12]), pgid }); // utime + stime
    }
    return { busy, ours, at: performance.now() };
  } catch {
    return null;
  }
}

/**
 * CPU cores' worth of work done by other processes between two snapshots, and the
 * process groups of ours whose processes changed (wrangler restarted workerd, e.g.
 * after a source file changed). A process of ours that ended in between counts as other.
 */
function cpuBetween(before, after) {
  if (!before || !after) return { otherCpuCores: null, restartedGroups: [] };
  const seconds = (after.at - before.at) / 1000;
  const ticksPerSecond = 100; // USER_HZ on Linux
  let ours = 0;
  for (const [pid, { ticks }] of after.ours) ours += ticks - (before.ours.get(pid)?.ticks ?? 0);
  const restarted = new Set();
  for (const [pid, { pgid }] of before.ours) if (!after.ours.has(pid)) restarted.add(pgid);
  for (const [pid, { pgid }] of after.ours) if (!before.ours.has(pid)) restarted.add(pgid);
  const cores = Math.min(os.cpus().length, Math.max(0, after.busy - before.busy - ours) / ticksPerSecond / seconds);
  return { otherCpuCores: round(cores, 2), restartedGroups: [...restarted].map((pgid) => children.get(pgid)?.name ?? String(pgid)) };
}

// ---------------------------------------------------------------- scenarios

const roundRobin = (list) => {
  let i = 0;
  return () => list[i++ % list.length];
};

/**
 * Scenarios: `request(server)` returns what autocannon needs, with a setupRequest that
 * adds the per-request headers (a fresh cf-connecting-ip, the next user's credentials).
 */
const SCENARIOS = [
  { id: "health", label: "GET /health", method: "GET", path: "/health", auth: null },
  { id: "me-cookie", label: "GET /api/me (cookie)", method: "GET", path: "/api/me", auth: "cookie" },
  { id: "me-bearer", label: "GET /api/me (bearer)", method: "GET", path: "/api/me", auth: "bearer" },
  { id: "get-session-bearer", label: "GET /api/auth/get-session (bearer)", method: "GET", path: "/api/auth/get-session", auth: "bearer" },
  { id: "sign-in", label: "POST /api/auth/sign-in/email", method: "POST", path: "/api/auth/sign-in/email", auth: "password", heavy: true },
  { id: "example-private", label: "example /private (bearer)", method: "GET", path: "/private", auth: "bearer", exampleOnly: true },
];

function setupFor(scenario, server) {
  const nextUser = roundRobin(server.users);
  const nextIp = server.nextIp;
  return (req) => {
    req.headers["cf-connecting-ip"] = nextIp();
    if (scenario.auth === null) return req;
    const user = nextUser();
    if (scenario.auth === "cookie") req.headers.cookie = user.cookie;
    else if (scenario.auth === "bearer") req.headers.authorization = `Bearer ${user.bearer}`;
    else {
      req.headers["content-type"] = "application/json";
      req.headers.origin = server.trustedOrigin;
      req.headers["x-auth-mode"] = "bearer"; // same answer as the stock setup: cookie and set-auth-token
      req.body = JSON.stringify({ email: user.email, password: PASSWORD });
    }
    return req;
  };
}

/** One request through fetch, to check that a scenario answers 2xx before loading it. */
async function probe(scenario, server) {
  const req = setupFor(scenario, server)({ method: scenario.method, path: scenario.path, headers: {} });
  const res = await fetch(server.origin + scenario.path, { method: req.method, headers: req.headers, body: req.body });
  const text = await res.text();
  return { status: res.status, body: text.slice(0, 200) };
}

function runAutocannon(scenario, server, { connections, duration }) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: server.origin,
        connections,
        duration,
        timeout: 30,
        requests: [{ method: scenario.method, path: scenario.path, setupRequest: setupFor(scenario, server) }],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    runAutocannon.current = instance;
  });
}

async function measure(scenario, server) {
  const connections = scenario.heavy ? SIGNIN_CONNECTIONS : CONNECTIONS;
  const duration = scenario.heavy ? SIGNIN_DURATION : DURATION;
  await runAutocannon(scenario, server, { connections, duration: Math.max(1, scenario.heavy ? Math.min(WARMUP, 1) : WARMUP) });
  const before = cpuSnapshot();
  const r = await runAutocannon(scenario, server, { connections, duration });
  const { otherCpuCores, restartedGroups } = cpuBetween(before, cpuSnapshot());
  const statusCodes = Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([code, { count }]) => [code, count]));
  return {
    server: server.key,
    serverLabel: server.label,
    scenario: scenario.id,
    scenarioLabel: scenario.label,
    connections,
    durationS: r.duration,
    requests: r.requests.total,
    rps: round(r.requests.total / r.duration, 1),
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, avg: round(r.latency.average, 2), max: r.latency.max },
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
    statusCodes,
    otherCpuCores,
    ...(restartedGroups.length > 0 ? { restarted: restartedGroups } : {}),
  };
}

// ---------------------------------------------------------------- CPU profile (BENCH_PROFILE=1)

/** A DevTools protocol session with a `wrangler dev` inspector port. */
async function inspect(port) {
  const ws = new WebSocket(`ws://localhost:${port}/ws`, { headers: { origin: "http://localhost" } });
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error(`cannot connect to the inspector on port ${port}`));
  });
  let lastId = 0;
  const pending = new Map();
  ws.onmessage = (event) => {
    const message = JSON.parse(event.data);
    // workerd answers some Profiler commands by echoing them back: any message with the id settles it.
    if (message.id !== undefined && pending.has(message.id)) {
      pending.get(message.id)(message);
      pending.delete(message.id);
    }
  };
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = ++lastId;
      const timer = setTimeout(() => reject(new Error(`inspector: ${method} timed out`)), 60_000);
      pending.set(id, (message) => {
        clearTimeout(timer);
        if (message.error) reject(new Error(`inspector: ${method}: ${message.error.message}`));
        else resolve(message.result ?? {});
      });
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { send, close: () => ws.close() };
}

/** Which package or source file a line of the dev bundle comes from (esbuild's `// path` markers). */
function sectionsOf(source) {
  const markers = [];
  source.split("\n").forEach((line, index) => {
    const match = line.match(/^\/\/ (\S+\.(?:m?[jt]s|json))$/);
    if (!match) return;
    const file = match[1].replace(/^(\.\.\/)+/, "");
    const pkg = file.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1];
    markers.push({ line: index, label: pkg ?? file });
  });
  return (line) => {
    let lo = 0;
    let hi = markers.length - 1;
    let found = "(bundle)";
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (markers[mid].line <= line) {
        found = markers[mid].label;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

/** Profiles the Worker behind `server` while `scenario` runs; writes the .cpuprofile and returns a summary. */
async function profile(scenario, server, stamp) {
  const seconds = Math.min(DURATION, 5);
  const session = await inspect(server.inspectorPort);
  try {
    await session.send("Profiler.enable");
    await session.send("Profiler.start");
    const r = await runAutocannon(scenario, server, { connections: CONNECTIONS, duration: seconds });
    const { profile: prof } = await session.send("Profiler.stop");
    await session.send("Debugger.enable");
    const sections = new Map();
    for (const scriptId of new Set(prof.nodes.map((n) => n.callFrame.scriptId).filter((id) => id && id !== "0"))) {
      try {
        const { scriptSource } = await session.send("Debugger.getScriptSource", { scriptId });
        if (scriptSource.length > 10_000) sections.set(scriptId, sectionsOf(scriptSource));
      } catch {
        // scripts that went away
      }
    }
    await session.send("Debugger.disable").catch(() => {});
    mkdirSync(RESULTS, { recursive: true });
    const file = path.join(RESULTS, `${stamp}-${server.key}-${scenario.id}.cpuprofile`);
    writeFileSync(file, JSON.stringify(prof));

    const byId = new Map(prof.nodes.map((n) => [n.id, n]));
    const parent = new Map();
    for (const n of prof.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
    const timeById = new Map();
    prof.samples.forEach((id, i) => timeById.set(id, (timeById.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
    const total = [...timeById.values()].reduce((a, b) => a + b, 0);
    const where = (n) => sections.get(n.callFrame.scriptId)?.(n.callFrame.lineNumber) ?? (n.callFrame.url ? path.basename(n.callFrame.url) : "(native)");
    const name = (n) => `${n.callFrame.functionName || "(anonymous)"} [${where(n)}]`;
    const selfByPackage = new Map();
    const selfByFunction = new Map();
    const inclusive = new Map();
    for (const [id, t] of timeById) {
      const node = byId.get(id);
      const system = node.callFrame.functionName.startsWith("(") && node.callFrame.url === "";
      const pkg = system ? node.callFrame.functionName : where(node);
      selfByPackage.set(pkg, (selfByPackage.get(pkg) ?? 0) + t);
      selfByFunction.set(name(node), (selfByFunction.get(name(node)) ?? 0) + t);
      const seen = new Set();
      for (let cur = parent.get(id); cur !== undefined; cur = parent.get(cur)) {
        const key = name(byId.get(cur));
        if (seen.has(key) || byId.get(cur).callFrame.functionName === "(root)") continue;
        seen.add(key);
        inclusive.set(key, (inclusive.get(key) ?? 0) + t);
      }
      if (!seen.has(name(node))) inclusive.set(name(node), (inclusive.get(name(node)) ?? 0) + t);
    }
    const top = (map, n) =>
      [...map]
        .sort((a, b) => b[1] - a[1])
        .slice(0, n)
        .map(([key, t]) => ({ where: key, pct: round((t / total) * 100, 1) }));
    return {
      file: path.relative(ROOT, file),
      seconds,
      rpsWhileProfiling: round(r.requests.total / r.duration, 1),
      byPackage: top(selfByPackage, 12),
      selfByFunction: top(selfByFunction, 15),
      // Anonymous functions are lumped together by name, which says nothing: leave them out.
      inclusive: top(new Map([...inclusive].filter(([key]) => !key.startsWith("(anonymous)"))), 25),
    };
  } finally {
    session.close();
  }
}

// ---------------------------------------------------------------- bundle size and scrypt

function measureBundle(label, configArgs) {
  const outdir = mkdtempSync(path.join(os.tmpdir(), "bench-bundle-"));
  try {
    const output = wranglerSync(["deploy", "--dry-run", "--minify", "--outdir", outdir, ...configArgs], `${label}: wrangler deploy --dry-run`);
    let raw = 0;
    let gzip = 0;
    const files = [];
    const walk = (dir) => {
      for (const name of readdirSync(dir)) {
        const file = path.join(dir, name);
        if (statSync(file).isDirectory()) walk(file);
        else if (!name.endsWith(".map") && name !== "README.md") {
          const bytes = readFileSync(file);
          const gz = gzipSync(bytes, { level: 9 }).length;
          raw += bytes.length;
          gzip += gz;
          files.push({ file: path.relative(outdir, file), bytes: bytes.length, gzipBytes: gz });
        }
      }
    };
    walk(outdir);
    const wranglerLine = output.match(/Total Upload:[^\n]*/)?.[0]?.trim() ?? null;
    return { label, rawBytes: raw, gzipBytes: gzip, rawKiB: round(raw / 1024, 1), gzipKiB: round(gzip / 1024, 1), files, wranglerReport: wranglerLine };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Times scrypt as @better-auth/utils/password does it (NFKC password, hex salt string, 64-byte key). */
function timeScrypt({ N, r, p }, runs) {
  const maxmem = 128 * N * r * p * 2 + 1024 * 1024;
  const once = () => {
    const salt = randomBytes(16).toString("hex");
    const start = performance.now();
    const cpu = process.cpuUsage();
    scryptSync(PASSWORD.normalize("NFKC"), salt, 64, { N, r, p, maxmem });
    const cpuUs = process.cpuUsage(cpu);
    return { wall: performance.now() - start, cpu: (cpuUs.user + cpuUs.system) / 1000 };
  };
  once(); // warm-up
  const samples = Array.from({ length: runs }, once);
  const med = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  return {
    N,
    r,
    p,
    memoryBytes: 128 * N * r, // scrypt's V array; p lanes run one after another and reuse it
    memoryMiB: (128 * N * r) / 2 ** 20,
    workNrp: N * r * p,
    runs,
    medianMs: round(med(samples.map((s) => s.wall)), 1),
    medianCpuMs: round(med(samples.map((s) => s.cpu)), 1),
    minMs: round(Math.min(...samples.map((s) => s.wall)), 1),
    maxMs: round(Math.max(...samples.map((s) => s.wall)), 1),
  };
}

// ---------------------------------------------------------------- output

const round = (value, digits) => (value === null || value === undefined || !Number.isFinite(value) ? value : Number(value.toFixed(digits)));
const fmt = (value, digits = 0) => (value === null || value === undefined || !Number.isFinite(value) ? "-" : value.toFixed(digits));

function table(headers, rows, alignLeft = new Set([0, 1])) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells) => cells.map((cell, i) => (alignLeft.has(i) ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join("  ");
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

// ---------------------------------------------------------------- main

async function main() {
  const startedAt = new Date();
  rmSync(STATE, { recursive: true, force: true });
  mkdirSync(LOGS, { recursive: true });
  const wranglerVersion = wranglerSync(["--version"], "wrangler --version").trim().split("\n").pop();
  const nodeVersion = spawnSync("node", ["--version"], { env: CHILD_ENV, encoding: "utf8" }).stdout.trim();
  console.log(`bench: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), load generator on Node ${process.version}, wrangler ${wranglerVersion} on Node ${nodeVersion}`);
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
    ["Better Auth 1.7 default (stock setup)", `N=2^14 r=16 p=1`, fmt(scrypt.betterAuth.memoryMiB), scrypt.betterAuth.workNrp.toLocaleString("en"), fmt(scrypt.betterAuth.medianMs, 1), fmt(scrypt.betterAuth.medianCpuMs, 1), scrypt.betterAuth.runs],
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
      console.log(`example protected-worker on ${exampleServer.origin} (ready in ${exampleServer.startupMs} ms, ${exampleServer.usersVia})`);
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
    const codes = Object.entries(r.statusCodes).map(([c, n]) => `${c}:${n}`).join(" ");
    const other =
      (r.otherCpuCores === null ? "" : `  other CPU ${fmt(r.otherCpuCores, 2)} cores`) +
      (r.restarted ? `  (wrangler processes changed during the run: ${r.restarted.join(", ")}; a reload?)` : "");
    console.log(`${server.label.padEnd(15)} ${scenario.label.padEnd(35)} ${fmt(r.rps, 1).padStart(8)} req/s  p50 ${r.latencyMs.p50} ms  p99 ${r.latencyMs.p99} ms  [${codes}]${r.errors ? ` errors:${r.errors}` : ""}${other}`);
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
  console.log(table(["server", "scenario", "conns", "req/s", "p50 ms", "p99 ms", "errors", "non-2xx", "vs /health", "vs stock", "other CPU"], rows));
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
    console.log(`note: ${r.serverLabel} ${r.scenarioLabel}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts, status codes ${JSON.stringify(r.statusCodes)}`);
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
          console.log(`\n== CPU profile: ${server.label}, ${scenario.label}, ${summary.seconds} s (${fmt(summary.rpsWhileProfiling, 1)} req/s while profiling) -> ${summary.file}`);
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
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? null, platform: `${os.platform()} ${os.release()}`, loadGeneratorNode: process.version, wranglerNode: nodeVersion, wrangler: wranglerVersion },
    settings: { durationS: DURATION, connections: CONNECTIONS, warmupS: WARMUP, signInDurationS: SIGNIN_DURATION, signInConnections: SIGNIN_CONNECTIONS, users: USERS, ipPool: IP_POOL, rounds: ROUNDS, mode: MODE, vars: EXTRA_VARS },
    servers: servers.map((s) => ({ key: s.key, label: s.label, startupMs: s.startupMs, users: s.users.length, ...(s.usersVia ? { usersVia: s.usersVia } : {}) })),
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

/**
 * The example consumer Worker with a Service Binding to the auth Worker, both in one
 * `wrangler dev` (the first config is served on the port; persistence is the first's).
 * Users sign up through the example's /api/auth/*, which it forwards to the auth Worker.
 *
 * Note: wrangler passes --var only to the first config. The auth Worker (second config)
 * takes its vars from wrangler.toml and .dev.vars, so it needs the .dev.vars that
 * `npm run dev` writes (ENVIRONMENT, BETTER_AUTH_SECRET, MAIL_TRANSPORT).
 */
async function startExample() {
  const server = await startServer({
    key: "example",
    label: "example Worker",
    configs: [path.relative(ROOT, EXAMPLE_CONFIG), "wrangler.toml"],
    migrateConfig: "wrangler.toml",
    persist: "example",
    vars: () => ({ ENVIRONMENT: "development", BETTER_AUTH_SECRET: randomSecret(), MAIL_TRANSPORT: "outbox" }),
    readyPath: "/private",
    accept: (status) => status === 401,
  });
  try {
    server.nextIp = ipPool(IP_POOL);
    server.users = await createUsers(server, USERS, server.nextIp, "example");
    const check = await fetch(`${server.origin}/private`, { headers: { authorization: `Bearer ${server.users[0].bearer}`, "cf-connecting-ip": server.nextIp() } });
    const body = await check.text();
    if (check.status !== 200) throw new Error(`GET /private with a fresh bearer token answered ${check.status}: ${body.slice(0, 200)}`);
  } catch (error) {
    await stopWrangler(server.entry);
    throw error;
  }
  server.usersVia = "users signed up through the example's /api/auth/* forward";
  return server;
}

try {
  await main();
} catch (error) {
  // After Ctrl-C, requests to the stopped servers fail: that is not worth a stack trace.
  if (!interrupted) console.error(`\nbench failed: ${error.stack ?? error}`);
  process.exitCode = interrupted ? 130 : 1;
} finally {
  await cleanup();
  // An inspector WebSocket or an autocannon socket must not keep the process alive.
  process.exit(process.exitCode ?? 0);
}
