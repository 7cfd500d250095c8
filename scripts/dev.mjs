#!/usr/bin/env node
// `npm run dev [-- wrangler dev flags]`: prepares a fresh clone for local development,
// then starts `wrangler dev`. Safe to run again: it only adds what is missing.
// `npm run dev:example` (`--example`) runs the example consumer Worker in front of it.
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { devVar, ensureDevVars } from "./dev-vars.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const added = ensureDevVars();
if (added.length > 0) console.log(`.dev.vars: added ${added.join(", ")}`);

const wrangler = (args, options = {}) =>
  spawnSync("wrangler", args, { cwd: root, stdio: "inherit", shell: process.platform === "win32", ...options });

// Local D1 migrations (Miniflare's embedded SQLite under .wrangler/state, or the folder
// `-- --persist-to <dir>` names: the browser tests start each run from an empty one). The
// state folder is named explicitly: with several configs, wrangler would pick the first one's.
const args = process.argv.slice(2);
const persistAt = args.findIndex((arg) => arg === "--persist-to" || arg.startsWith("--persist-to="));
const stateDir = persistAt < 0 ? ".wrangler/state" : args[persistAt].includes("=") ? args[persistAt].split("=")[1] : args[persistAt + 1];
if (persistAt >= 0) args.splice(persistAt, args[persistAt].includes("=") ? 1 : 2);
const persist = ["--persist-to", stateDir];
const migrate = wrangler(["d1", "migrations", "apply", "DB", "--local", ...persist], { env: { ...process.env, CI: "true" } });
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const example = args[0] === "--example";
// wrangler dev takes from .dev.vars only the secrets wrangler.toml requires; BETTER_AUTH_SECRETS
// (set while the secret rotates) is optional, so it is passed on (wrangler shows it as hidden).
// wrangler passes --var to the first config only: with --example, that is the example Worker.
const secrets = devVar("BETTER_AUTH_SECRETS");
const rotation = secrets && !example ? ["--var", `BETTER_AUTH_SECRETS:${secrets}`] : [];
// With several configs, wrangler dev serves the first on the port and runs the others beside it.
const configs = example ? ["-c", "examples/protected-worker/wrangler.toml", "-c", "wrangler.toml"] : [];
const dev = spawn("wrangler", ["dev", ...configs, ...persist, ...rotation, ...(example ? args.slice(1) : args)], {
  cwd: root,
  stdio: "inherit",
  shell: process.platform === "win32",
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
