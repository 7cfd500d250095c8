// The tables printed after the load runs.
import { fmt, table } from "./format.mjs";

const ratio = (value, suffix = "") => (value === null || value === undefined ? "-" : `${fmt(value, 2)}${suffix}`);

/** Every run: req/s, latency, errors, ratios, the server's CPU per request. */
export function resultsTable(runs) {
  const rows = runs.map((r) => [
    r.serverLabel,
    r.scenarioLabel,
    r.connections,
    fmt(r.rps, 1),
    fmt(r.latencyMs.p50),
    fmt(r.latencyMs.p99),
    r.errors + r.timeouts,
    r.non2xx,
    ratio(r.ratioToBaseline),
    ratio(r.ratioToStock, "x"),
    fmt(r.serverCpuMsPerRequest, 2),
    r.otherCpuCores === null ? "-" : fmt(r.otherCpuCores, 2),
  ]);
  return table(
    ["server", "scenario", "conns", "req/s", "p50 ms", "p99 ms", "errors", "non-2xx", "vs /health", "vs stock", "CPU ms/req", "other CPU"],
    rows,
  );
}

/**
 * Session checks over more and more distinct sessions: req/s against /health, and the
 * storage calls per 1,000 checks as the read counts found them.
 */
export function sessionsTable(runs) {
  const checks = runs.filter((r) => r.server === "project" && (r.sessions !== undefined || r.scenario.startsWith("me-")));
  const rows = checks.map((r) => [
    r.scenarioLabel,
    (r.sessions ?? r.users)?.toLocaleString("en") ?? "-",
    fmt(r.rps, 1),
    ratio(r.ratioToBaseline),
    fmt(r.latencyMs.p50),
    fmt(r.latencyMs.p99),
    fmt(r.serverCpuMsPerRequest, 2),
    fmt(r.perThousand?.kvReads, 1),
    fmt(r.perThousand?.d1Reads, 1),
    fmt(r.perThousand?.d1RowsRead, 1),
    fmt(r.perThousand?.kvWrites, 1),
    fmt(r.perThousand?.d1Writes, 1),
  ]);
  return table(
    [
      "scenario",
      "sessions",
      "req/s",
      "vs /health",
      "p50 ms",
      "p99 ms",
      "CPU ms/req",
      "KV reads/1k",
      "D1 reads/1k",
      "D1 rows read/1k",
      "KV writes/1k",
      "D1 writes/1k",
    ],
    rows,
  );
}

/** Sign-up, sign-in, sign-out and a first check: storage calls per request, and the load runs' CPU. */
export function operationsTable(operations, runs) {
  const byOperation = { "sign-up": "sign-up", "sign-in": "sign-in" };
  const health = runs.find((r) => r.server === "project" && r.scenario === "health");
  const rows = operations.map((op) => {
    const run = runs.find((r) => r.server === "project" && r.scenario === byOperation[op.operation]);
    const c = op.perRequest;
    return [
      op.operation,
      fmt(c.kvReads, 2),
      fmt(c.kvWrites + c.kvDeletes, 2),
      fmt(c.d1Reads, 2),
      fmt(c.d1Writes, 2),
      fmt(c.d1RowsRead, 1),
      fmt(c.d1RowsWritten, 1),
      fmt(c.doRequests, 2),
      run ? fmt(run.rps, 1) : "-",
      run ? fmt(run.latencyMs.p50) : "-",
      run ? fmt(run.serverCpuMsPerRequest, 1) : "-",
      run && health ? fmt(run.serverCpuMsPerRequest - health.serverCpuMsPerRequest, 1) : "-",
    ];
  });
  return table(
    [
      "operation",
      "KV reads",
      "KV writes+deletes",
      "D1 reads",
      "D1 writes",
      "D1 rows read",
      "D1 rows written",
      "DO requests",
      "req/s",
      "p50 ms",
      "CPU ms/req",
      "CPU over /health",
    ],
    rows,
  );
}

/** The example consumer: its bare route against /private over RPC. */
export function consumerTable(runs) {
  const mine = runs.filter((r) => r.server === "example");
  return table(
    ["scenario", "conns", "req/s", "p50 ms", "p99 ms", "vs GET /", "CPU ms/req", "CPU over GET /"],
    mine.map((r) => {
      const base = runs.find((b) => b.server === "example" && b.scenario === "example-root");
      return [
        r.scenarioLabel,
        r.connections,
        fmt(r.rps, 1),
        fmt(r.latencyMs.p50),
        fmt(r.latencyMs.p99),
        ratio(r.ratioToBaseline),
        fmt(r.serverCpuMsPerRequest, 2),
        base && r !== base ? fmt(r.serverCpuMsPerRequest - base.serverCpuMsPerRequest, 2) : "-",
      ];
    }),
  );
}
