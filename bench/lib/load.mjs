// The scenarios and how one is measured with autocannon.
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import autocannon from "autocannon";
import { cpuBetween, cpuSnapshot } from "./cpu.mjs";
import { fmt, round } from "./format.mjs";
import { credentialHeaders } from "./sessions.mjs";
import {
  CONNECTIONS,
  DURATION,
  EXAMPLE_CONNECTIONS,
  PASSWORD,
  SESSION_COUNTS,
  SIGNIN_CONNECTIONS,
  SIGNIN_DURATION,
  selected,
  WARMUP,
} from "./settings.mjs";

/**
 * Scenarios: who serves them (`servers`), the request, and the credentials it carries
 * (`auth`: null, "cookie", "bearer", "password" for sign-in, "new-user" for sign-up).
 * `sessions`: the number of seeded sessions the checks go round-robin over (the others use
 * the users signed up at the start). `baseline`: the scenario the ratio column divides by.
 */
export const SCENARIOS = [
  { id: "health", label: "GET /health", method: "GET", path: "/health", auth: null, servers: ["project", "stock"] },
  { id: "me-cookie", label: "GET /api/me (cookie)", method: "GET", path: "/api/me", auth: "cookie", servers: ["project", "stock"] },
  { id: "me-bearer", label: "GET /api/me (bearer)", method: "GET", path: "/api/me", auth: "bearer", servers: ["project", "stock"] },
  {
    id: "get-session-bearer",
    label: "GET /api/auth/get-session (bearer)",
    method: "GET",
    path: "/api/auth/get-session",
    auth: "bearer",
    servers: ["project", "stock"],
  },
  ...SESSION_COUNTS.flatMap((sessions) =>
    ["cookie", "bearer"].map((auth) => ({
      id: `sessions-${sessions}-${auth}`,
      label: `GET /api/me (${auth}, ${sessions.toLocaleString("en")} session${sessions === 1 ? "" : "s"})`,
      method: "GET",
      path: "/api/me",
      auth,
      sessions,
      servers: ["project"],
    })),
  ),
  {
    id: "sign-in",
    label: "POST /api/auth/sign-in/email",
    method: "POST",
    path: "/api/auth/sign-in/email",
    auth: "password",
    heavy: true,
    servers: ["project", "stock"],
  },
  {
    id: "sign-up",
    label: "POST /api/auth/sign-up/email",
    method: "POST",
    path: "/api/auth/sign-up/email",
    auth: "new-user",
    heavy: true,
    servers: ["project", "stock"],
  },
  {
    id: "example-root",
    label: "example GET / (anonymous)",
    method: "GET",
    path: "/",
    auth: null,
    servers: ["example"],
    connections: EXAMPLE_CONNECTIONS,
  },
  {
    id: "example-private",
    label: "example /private over RPC (bearer)",
    method: "GET",
    path: "/private",
    auth: "bearer",
    servers: ["example"],
    connections: EXAMPLE_CONNECTIONS,
    baseline: "example-root",
  },
].filter((scenario) => selected(scenario.id));

/** The scenario a ratio is taken against: `/health` of the same server unless it says otherwise. */
export const baselineOf = (scenario) => scenario.baseline ?? (scenario.servers.includes("example") ? "example-root" : "health");

/**
 * Where each round-robin stands: runs go on from there. The cookie and bearer scenarios
 * over the same seeded sessions share one, so a run never finds sessions the other one
 * just left in the isolate's memory.
 */
const cursors = new Map();

/** The round-robin a scenario's runs share (see `cursors`). */
export const cursorOf = (scenario) => (scenario.sessions ? `sessions-${scenario.sessions}` : scenario.id);

function setupFor(scenario, server, { probing = false } = {}) {
  const key = `${server.key}:${cursorOf(scenario)}`;
  // A probe takes the first user without moving the round-robin the runs (and the read counts) follow.
  const state = probing ? { next: 0 } : (cursors.get(key) ?? { next: 0 });
  if (!probing) cursors.set(key, state);
  const pool = scenario.sessions ? server.seeded.slice(0, scenario.sessions) : server.users;
  const nextIp = server.nextIp;
  return (req) => {
    req.headers["cf-connecting-ip"] = nextIp();
    if (scenario.auth === null) return req;
    if (scenario.auth === "new-user") {
      req.headers["content-type"] = "application/json";
      req.headers.origin = server.trustedOrigin;
      req.headers["x-auth-mode"] = "bearer";
      const email = `${server.key}-new-${state.next++}-${randomBytes(4).toString("hex")}@bench.example`;
      req.body = JSON.stringify({ name: "Bench", email, password: PASSWORD });
      return req;
    }
    const user = pool[state.next++ % pool.length];
    if (scenario.sessions) Object.assign(req.headers, credentialHeaders(user, scenario.auth, server.cookieName));
    else if (scenario.auth === "cookie") req.headers.cookie = user.cookie;
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
export async function probe(scenario, server) {
  const req = setupFor(scenario, server, { probing: true })({ method: scenario.method, path: scenario.path, headers: {} });
  const res = await fetch(server.origin + scenario.path, { method: req.method, headers: req.headers, body: req.body });
  const text = await res.text();
  return { status: res.status, body: text.slice(0, 200) };
}

export function runAutocannon(scenario, server, { connections, duration }) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: server.origin,
        connections,
        duration,
        timeout: 30,
        requests: [{ method: scenario.method, path: scenario.path, setupRequest: setupFor(scenario, server) }],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

/** Connections and seconds of a scenario's measured run. */
export function shapeOf(scenario) {
  return {
    connections: scenario.connections ?? (scenario.heavy ? SIGNIN_CONNECTIONS : CONNECTIONS),
    duration: scenario.heavy ? SIGNIN_DURATION : DURATION,
    warmup: Math.max(1, scenario.heavy ? Math.min(WARMUP, 1) : WARMUP),
  };
}

/**
 * A warm-up, then the measured run. Records when each began (for the read counts, which
 * replay the same timeline) and the CPU the server's own processes used.
 */
export async function measure(scenario, server, clockZero) {
  const { connections, duration, warmup } = shapeOf(scenario);
  const warmupStart = performance.now();
  const w = await runAutocannon(scenario, server, { connections, duration: warmup });
  const measuredStart = performance.now();
  const before = cpuSnapshot();
  const r = await runAutocannon(scenario, server, { connections, duration });
  const { otherCpuCores, restartedGroups, groupCpuMs } = cpuBetween(before, cpuSnapshot());
  const statusCodes = Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([code, { count }]) => [code, count]));
  const serverCpuMs = groupCpuMs?.get(server.entry.child.pid) ?? null;
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
    // CPU of the server's process group (wrangler, its proxy and workerd) per request.
    serverCpuMsPerRequest: serverCpuMs === null || r.requests.total === 0 ? null : round(serverCpuMs / r.requests.total, 2),
    timeline: {
      warmup: { startMs: Math.round(warmupStart - clockZero), ms: Math.round(measuredStart - warmupStart), requests: w.requests.total },
      measured: { startMs: Math.round(measuredStart - clockZero), ms: Math.round(r.duration * 1000), requests: r.requests.total },
    },
    ...(restartedGroups.length > 0 ? { restarted: restartedGroups } : {}),
  };
}

/** One line per run as it finishes. */
export function describeRun(r) {
  const codes = Object.entries(r.statusCodes)
    .map(([c, n]) => `${c}:${n}`)
    .join(" ");
  const cpu = r.serverCpuMsPerRequest === null ? "" : `  server CPU ${fmt(r.serverCpuMsPerRequest, 2)} ms/req`;
  const other =
    (r.otherCpuCores === null ? "" : `  other CPU ${fmt(r.otherCpuCores, 2)} cores`) +
    (r.restarted ? `  (wrangler processes changed during the run: ${r.restarted.join(", ")}; a reload?)` : "");
  return `${r.serverLabel.padEnd(15)} ${r.scenarioLabel.padEnd(40)} ${fmt(r.rps, 1).padStart(8)} req/s  p50 ${r.latencyMs.p50} ms  p99 ${r.latencyMs.p99} ms  [${codes}]${r.errors ? ` errors:${r.errors}` : ""}${cpu}${other}`;
}
