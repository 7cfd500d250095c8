import type { D1Migration } from "cloudflare:test";
import type { CountsPlan } from "./plan";

declare global {
  namespace Cloudflare {
    interface Env {
      /** What to replay, from bench/run.mjs. */
      BENCH_PLAN: CountsPlan;
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}
