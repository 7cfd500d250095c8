import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { unstable_readConfig } from "wrangler";
import { EXAMPLE_BUNDLE } from "./test/setup/build-example";

/** Settings the tests run with, over wrangler.toml's `[vars]`. */
export const TEST_VARS = {
  // Production rules (https BASE_URL, a real secret), with the mail outbox allowed.
  ENVIRONMENT: "test",
  BASE_URL: "https://auth.example.com",
  TRUSTED_ORIGINS: "https://app.example.com",
  BETTER_AUTH_SECRET: "test-secret-0123456789abcdef0123456789abcdef",
  MAIL_TRANSPORT: "outbox",
  // Most suites sign users up and use the session at once; the tests of the deployed
  // default (verification required) set it back with callWith().
  REQUIRE_EMAIL_VERIFICATION: "false",
} as const;

/** The Vitest project of the tests that run inside workerd. */
const WORKERS_PROJECT = "workers";

/** workerd's name for the Worker under test ("vitest-plugin-runner-" + the project name). */
const RUNNER = `vitest-plugin-runner-${WORKERS_PROJECT}`;

/**
 * The example consumer Worker, from its own wrangler.toml, as an auxiliary
 * Worker: its Service Binding to the auth Worker points at the Worker under test.
 */
function exampleWorker() {
  const config = unstable_readConfig({ config: "examples/protected-worker/wrangler.toml" });
  const serviceBindings = Object.fromEntries(
    (config.services ?? []).map((service: { binding: string; service: string; entrypoint?: string }) => [
      service.binding,
      { name: service.service === "edge-session-worker" ? RUNNER : service.service, entrypoint: service.entrypoint },
    ]),
  );
  return {
    name: config.name,
    modules: true,
    scriptPath: EXAMPLE_BUNDLE,
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: config.compatibility_flags,
    serviceBindings,
  };
}

// wrangler.toml lists BETTER_AUTH_SECRET under [secrets]; provide it so config loading finds it.
process.env.BETTER_AUTH_SECRET ??= TEST_VARS.BETTER_AUTH_SECRET;

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    test: {
      projects: [
        {
          // Inside workerd, against real local D1, KV and Durable Objects.
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: { ...TEST_VARS, TEST_MIGRATIONS: migrations },
                serviceBindings: { EXAMPLE: "protected-worker" },
                workers: [exampleWorker()],
              },
            }),
          ],
          test: {
            name: WORKERS_PROJECT,
            globalSetup: ["./test/setup/build-example.ts"],
            setupFiles: ["./test/setup/apply-migrations.ts"],
            include: ["test/**/*.test.ts"],
            exclude: ["test/browser/**"],
            sequence: { groupOrder: 0 },
          },
        },
        {
          // In Node: Chromium against the Worker as `npm run dev` starts it (docs/pages.md), and
          // checks that need Node's libraries. After the workers project: both want the two cores.
          test: {
            name: "browser",
            environment: "node",
            globalSetup: ["./test/browser/setup/worker.ts"],
            include: ["test/browser/**/*.test.ts"],
            fileParallelism: false,
            testTimeout: 60_000,
            hookTimeout: 120_000,
            sequence: { groupOrder: 1 },
          },
        },
      ],
    },
  };
});
