import path from "node:path";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "../..");

/** Where the example consumer Worker is bundled for the tests (workerd runs JavaScript only). */
export const EXAMPLE_BUNDLE = path.join(root, "node_modules/.cache/protected-worker/index.js");

// globalSetup runs in Node before workerd starts.
export default async function buildExample() {
  await build({
    entryPoints: [path.join(root, "examples/protected-worker/src/index.ts")],
    outfile: EXAMPLE_BUNDLE,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2024",
    external: ["cloudflare:*", "node:*"],
    logLevel: "warning",
  });
}
