/**
 * The read counts: `replay.test.ts` in workerd with the project Worker's
 * bindings and settings. bench/run.mjs runs it with
 * `BENCH_COUNTS_PLAN=<plan.json> BENCH_COUNTS_OUT=<result.json>` and the
 * Worker's `[vars]` as the bench ran them in `BENCH_COUNTS_VARS` (JSON).
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import type { Reporter } from "vitest/node";

const root = path.resolve(import.meta.dirname, "../..");
const planFile = process.env.BENCH_COUNTS_PLAN;
const outFile = process.env.BENCH_COUNTS_OUT;
if (!planFile || !outFile)
  throw new Error("BENCH_COUNTS_PLAN and BENCH_COUNTS_OUT name the plan and the result files (bench/run.mjs sets them)");
const vars = JSON.parse(process.env.BENCH_COUNTS_VARS ?? "{}") as Record<string, string>;

// wrangler.toml lists BETTER_AUTH_SECRET under [secrets]; the vars below carry the bench's.
process.env.BETTER_AUTH_SECRET ??= vars.BETTER_AUTH_SECRET ?? "bench-counts-secret-0123456789abcdef0123456789";

/** Gathers what each test left in its `meta` and writes it to `outFile`. */
const collect: Reporter = {
  onTestRunEnd(modules) {
    const merged: Record<string, unknown> = {};
    for (const module of modules) for (const test of module.children.allTests()) Object.assign(merged, test.meta());
    writeFileSync(outFile, `${JSON.stringify(merged, null, 2)}\n`);
  },
};

export default defineConfig(async () => ({
  root,
  plugins: [
    cloudflareTest({
      wrangler: { configPath: path.join(root, "wrangler.toml") },
      miniflare: {
        bindings: {
          ...vars,
          BENCH_PLAN: JSON.parse(readFileSync(planFile, "utf8")),
          TEST_MIGRATIONS: await readD1Migrations(path.join(root, "migrations")),
        },
      },
    }),
  ],
  test: {
    include: ["bench/counts/**/*.test.ts"],
    reporters: ["default", collect],
    testTimeout: 0,
  },
}));
