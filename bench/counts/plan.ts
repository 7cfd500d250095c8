/**
 * What bench/run.mjs asks the read counts to replay (`BENCH_PLAN`), and what
 * they answer (through each test's `meta`, gathered by the config's reporter).
 */
import type { Counts, StatementStats } from "./counting";

/** One load run of a session-check scenario, as the bench drove it. */
export interface CheckRun {
  scenario: string;
  /** The round-robin this run goes on with (the cookie and bearer runs over the same sessions share one). */
  cursor: string;
  round: number;
  path: string;
  credential: "cookie" | "bearer";
  /** Which sessions: those seeded for the many-session scenarios, or those of the users signed up at the start. */
  pool: "seeded" | "users";
  /** Distinct sessions of the pool, visited round-robin from its first. */
  sessions: number;
  connections: number;
  /** When the run started, in ms after the first counted run started. */
  startMs: number;
  /** The warm-up, then the measured run: requests sent and how long they took. */
  phases: { requests: number; ms: number; measured: boolean }[];
}

export interface CountsPlan {
  /** The project Worker's origin (its BASE_URL in production mode). */
  origin: string;
  checks: CheckRun[];
  /** How many of each operation (sign-up, sign-in, ...) to count; 0 for none. */
  operations: number;
}

export interface CheckCounts {
  scenario: string;
  round: number;
  requests: number;
  failed: number;
  counts: Counts;
}

export interface OperationCounts {
  operation: string;
  requests: number;
  failed: number;
  counts: Counts;
}

export interface CountsResult {
  checks: CheckCounts[];
  operations: OperationCounts[];
  /** Every distinct D1 statement: how often it ran, and the rows D1 says it read and wrote. */
  d1Statements: StatementStats[];
}

declare module "vitest" {
  interface TaskMeta {
    checks?: CheckCounts[];
    operations?: OperationCounts[];
    d1Statements?: CountsResult["d1Statements"];
  }
}
