// Paths and BENCH_* settings (see bench/README.md), read once.
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const BENCH = path.join(ROOT, "bench");
export const STATE = path.join(BENCH, ".state");
export const LOGS = path.join(STATE, "logs");
export const RESULTS = path.join(BENCH, "results");
export const BIN = path.join(ROOT, "node_modules", ".bin");
export const EXAMPLE_CONFIG = path.join(ROOT, "examples", "protected-worker", "wrangler.toml");
export const BARE_CONFIG = path.join(BENCH, "bare", "wrangler.toml");

const num = (name, fallback) => {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number (got "${raw}")`);
  return value;
};
export const DURATION = num("BENCH_DURATION", 10);
export const CONNECTIONS = Math.round(num("BENCH_CONNECTIONS", 10));
export const WARMUP = num("BENCH_WARMUP", 2);
export const SIGNIN_DURATION = num("BENCH_SIGNIN_DURATION", Math.max(5, Math.ceil(DURATION / 2)));
export const SIGNIN_CONNECTIONS = Math.round(num("BENCH_SIGNIN_CONNECTIONS", Math.max(1, Math.floor(CONNECTIONS / 5))));
export const USERS = Math.round(num("BENCH_USERS", 20));
export const IP_POOL = Math.round(num("BENCH_IP_POOL", 8192));
export const SCRYPT_RUNS = Math.round(num("BENCH_SCRYPT_RUNS", 20));
export const ROUNDS = Math.round(num("BENCH_ROUNDS", 1));
/** Connections for the example consumer's runs. */
export const EXAMPLE_CONNECTIONS = Math.round(num("BENCH_EXAMPLE_CONNECTIONS", 20));
/** Distinct seeded sessions the many-session scenarios go round-robin over, one scenario pair (cookie, bearer) each. */
export const SESSION_COUNTS = (process.env.BENCH_SESSIONS ?? "1,1000,100000")
  .split(",")
  .map((part) => part.trim())
  .filter(Boolean)
  .map((part) => {
    const value = Number(part.replaceAll("_", ""));
    if (!Number.isInteger(value) || value < 1) throw new Error(`BENCH_SESSIONS takes whole numbers separated by commas (got "${part}")`);
    return value;
  });
/** Whether to count the KV, D1 and Durable Object calls behind the scenarios (bench/counts). */
export const COUNTS = process.env.BENCH_COUNTS !== "0";
/** Sign-ups, sign-ins and sign-outs whose storage calls are counted. */
export const COUNT_OPERATIONS = 5;
/** Runs of `wrangler check startup` per Worker, and fresh starts for the first request's latency. */
export const STARTUP_RUNS = Math.round(num("BENCH_STARTUP_RUNS", 5));
/**
 * `BENCH_ONLY`: scenario ids and sections to run, separated by commas; an entry ending in
 * `*` matches as a prefix (`sessions-*`). Sections: scrypt, bundle, startup, counts.
 * Everything by default.
 */
const ONLY = (process.env.BENCH_ONLY ?? "")
  .split(",")
  .map((part) => part.trim())
  .filter(Boolean);
export const selected = (id) =>
  ONLY.length === 0 || ONLY.some((entry) => (entry.endsWith("*") ? id.startsWith(entry.slice(0, -1)) : id === entry));
export const MODE = process.env.BENCH_MODE || "production";
if (MODE !== "development" && MODE !== "production") throw new Error(`BENCH_MODE must be "development" or "production" (got "${MODE}")`);
export const PROFILE = process.env.BENCH_PROFILE === "1";
/** Extra `[vars]` for the project Worker, e.g. `SESSION_MEMORY_SECONDS=0`. */
export const EXTRA_VARS = Object.fromEntries(
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
export const PRODUCTION_BASE_URL = "https://auth.bench.example";
export const PASSWORD = "correct horse battery staple";

// Children run on the project's Node (node_modules/.bin first), quietly and offline.
export const CHILD_ENV = {
  ...process.env,
  PATH: `${BIN}${path.delimiter}${process.env.PATH ?? ""}`,
  CI: "true",
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false", // no internet: skip fetching the Request.cf placeholder
  NO_COLOR: "1",
  WRANGLER_LOG_PATH: LOGS, // wrangler's debug logs stay with this run instead of ~/.config/.wrangler/logs
  FORCE_COLOR: "0",
};
