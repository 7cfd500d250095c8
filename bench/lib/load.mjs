// The scenarios and how one is measured with autocannon.
import autocannon from "autocannon";
import { cpuBetween, cpuSnapshot } from "./cpu.mjs";
import { round } from "./format.mjs";
import { CONNECTIONS, DURATION, PASSWORD, SIGNIN_CONNECTIONS, SIGNIN_DURATION, WARMUP } from "./settings.mjs";

const roundRobin = (list) => {
  let i = 0;
  return () => list[i++ % list.length];
};

/**
 * Scenarios: `request(server)` returns what autocannon needs, with a setupRequest that
 * adds the per-request headers (a fresh cf-connecting-ip, the next user's credentials).
 */
export const SCENARIOS = [
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
export async function probe(scenario, server) {
  const req = setupFor(scenario, server)({ method: scenario.method, path: scenario.path, headers: {} });
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

export async function measure(scenario, server) {
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
