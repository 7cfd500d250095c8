import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/** Settings the tests run with, over wrangler.toml's `[vars]`. */
export const TEST_VARS = {
  ENVIRONMENT: "production",
  BASE_URL: "https://auth.example.com",
  TRUSTED_ORIGINS: "https://app.example.com",
  BETTER_AUTH_SECRET: "test-secret-0123456789abcdef0123456789abcdef",
  MAIL_TRANSPORT: "outbox",
} as const;

// wrangler.toml lists BETTER_AUTH_SECRET under [secrets]; provide it so config loading finds it.
process.env.BETTER_AUTH_SECRET ??= TEST_VARS.BETTER_AUTH_SECRET;

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: { ...TEST_VARS, TEST_MIGRATIONS: migrations },
        },
      }),
    ],
    test: {
      setupFiles: ["./test/setup/apply-migrations.ts"],
      include: ["test/**/*.test.ts"],
    },
  };
});
