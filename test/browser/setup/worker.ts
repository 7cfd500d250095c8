/**
 * Starts the Worker for the browser tests the way `npm run dev` starts it
 * (scripts/dev.mjs: local migrations, .dev.vars, `wrangler dev`), on a free
 * port with an empty state folder, the deployed default of verification
 * required, and its console (the mail outbox) in a log file. Stops it after.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";

const root = path.resolve(import.meta.dirname, "../../..");

/** Where the browser tests leave screenshots, accessibility results and the Worker's log (not committed). */
export const ARTIFACTS = path.join(root, "artifacts/browser");

declare module "vitest" {
  export interface ProvidedContext {
    /** The Worker's origin, e.g. `http://127.0.0.1:41234`. */
    workerURL: string;
    /** The Worker's console, where the outbox prints mailed links. */
    workerLog: string;
    artifacts: string;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(url: string, worker: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (worker.exitCode !== null) break;
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the Worker did not start; its log:\n${readFileSync(log, "utf8").slice(-4000)}`);
}

export default async function startWorker(project: TestProject) {
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(path.join(ARTIFACTS, "screenshots"), { recursive: true });
  const state = mkdtempSync(path.join(tmpdir(), "edge-session-state-"));
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const log = path.join(ARTIFACTS, "worker.log");
  const output = createWriteStream(log);
  const args = ["scripts/dev.mjs", "--port", String(port), "--ip", "127.0.0.1", "--inspector-port", String(inspectorPort)];
  args.push("--persist-to", state, "--var", "REQUIRE_EMAIL_VERIFICATION:true", "--show-interactive-dev-session=false");
  const worker = spawn(process.execPath, args, {
    cwd: root,
    // Its own process group, so that stopping it stops wrangler and workerd too.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      PATH: `${path.join(root, "node_modules/.bin")}${path.delimiter}${process.env.PATH}`,
      WRANGLER_SEND_METRICS: "false",
    },
  });
  worker.stdout?.pipe(output);
  worker.stderr?.pipe(output);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (worker.exitCode === null && worker.pid) {
      const exited = new Promise((resolve) => worker.once("exit", resolve));
      process.kill(-worker.pid, "SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (worker.exitCode === null && worker.signalCode === null) process.kill(-worker.pid, "SIGKILL");
    }
    rmSync(state, { recursive: true, force: true });
  };
  try {
    await waitUntilUp(url, worker, log);
  } catch (error) {
    await stop();
    throw error;
  }
  project.provide("workerURL", url);
  project.provide("workerLog", log);
  project.provide("artifacts", ARTIFACTS);
  return stop;
}
