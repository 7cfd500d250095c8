// The wrangler processes the benchmark starts: spawning, waiting, and stopping every
// process group on exit, errors and Ctrl-C.
import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { CHILD_ENV, LOGS, ROOT } from "./settings.mjs";

/** Every wrangler process group this script started, by leader pid. */
const children = new Map();
let cleaningUp = null;
let interrupted = false;

/** Whether Ctrl-C (or another signal) stopped the run. */
export const wasInterrupted = () => interrupted;

/** The name of each process group this script started, by group id. */
export const processGroups = () => new Map([...children].map(([pid, entry]) => [pid, entry.name]));

export function startWrangler(name, args) {
  mkdirSync(LOGS, { recursive: true });
  const logPath = path.join(LOGS, `${name}.log`);
  // wrangler's own debug log, apart per process: it names the inspector of the workerd that runs the Workers.
  const debugLogDir = mkdtempSync(path.join(LOGS, `${name}-debug-`));
  const log = createWriteStream(logPath);
  // detached: the child leads a new process group, so wrangler, its Node and workerd die together.
  const env = { ...CHILD_ENV, WRANGLER_LOG_PATH: debugLogDir };
  const child = spawn("wrangler", args, { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const inspectorPort = args.includes("--inspector-port") ? Number(args[args.indexOf("--inspector-port") + 1]) : null;
  const entry = { name, child, logPath, debugLogDir, inspectorPort, exited: false, exitCode: null };
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

export async function stopWrangler(entry) {
  if (!children.has(entry.child.pid)) return;
  killGroup(entry.child.pid, "SIGTERM");
  const deadline = Date.now() + 5000;
  while (!entry.exited && Date.now() < deadline) await sleep(100);
  // workerd may outlive the wrangler process that leads the group.
  killGroup(entry.child.pid, "SIGKILL");
  children.delete(entry.child.pid);
}

export function cleanup() {
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

export function tail(file, lines = 30) {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function freePort() {
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
export function wranglerSync(args, what) {
  const run = spawnSync("wrangler", args, { cwd: ROOT, env: CHILD_ENV, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) {
    throw new Error(`${what} failed (exit ${run.status ?? run.signal}):\n${(run.stdout ?? "") + (run.stderr ?? "")}`.trimEnd());
  }
  return (run.stdout ?? "") + (run.stderr ?? "");
}

export async function waitReady(entry, url, accept = (status) => status === 200, timeoutMs = 120_000) {
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
