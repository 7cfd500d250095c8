// CPU profiles of the Workers (BENCH_PROFILE=1, and the startup section), through the
// inspector of the workerd process that runs them: one DevTools session per Worker, so
// the example consumer and the auth Worker behind it are profiled in the same run.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { round } from "./format.mjs";
import { sleep } from "./processes.mjs";
import { RESULTS, ROOT } from "./settings.mjs";

/** A DevTools protocol session over `url`. */
async function inspect(url) {
  const ws = new WebSocket(url, { headers: { origin: "http://localhost" } });
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error(`cannot connect to the inspector at ${url}`));
  });
  let lastId = 0;
  const pending = new Map();
  ws.onmessage = (event) => {
    const message = JSON.parse(event.data);
    // workerd answers some Profiler commands by echoing them back: any message with the id settles it.
    if (message.id !== undefined && pending.has(message.id)) {
      pending.get(message.id)(message);
      pending.delete(message.id);
    }
  };
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = ++lastId;
      const timer = setTimeout(() => reject(new Error(`inspector: ${method} timed out`)), 60_000);
      pending.set(id, (message) => {
        clearTimeout(timer);
        if (message.error) reject(new Error(`inspector: ${method}: ${message.error.message}`));
        else resolve(message.result ?? {});
      });
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { send, close: () => ws.close() };
}

/**
 * The workerd inspector that wrangler's debug log names once the Workers are loaded: its
 * port and the Worker wrangler itself listens to there (the first config's), or null.
 */
function runtimeInspector(debugLogDir) {
  let found = null;
  for (const file of readdirSync(debugLogDir)) {
    const text = readFileSync(path.join(debugLogDir, file), "utf8");
    const pattern = /"userWorkerInspectorUrl":\{"protocol":"ws:","hostname":"[^"]+","port":"(\d+)","pathname":"\/core:user:([^"]+)"/g;
    for (const match of text.matchAll(pattern)) found = { port: Number(match[1]), primary: match[2] };
  }
  return found;
}

/**
 * Where to reach the DevTools of each Worker of `entry` (a wrangler dev process), once
 * wrangler reports them loaded: `{ address, workers, urls }`. Waiting on it tells that the
 * Workers are ready without sending them a request. workerd takes one DevTools session per
 * Worker, and wrangler holds the first Worker's: that one is reached through wrangler's
 * inspector port, the others (the auth Worker behind the example) on workerd's own.
 */
export async function workerdInspector(entry, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (entry.exited) throw new Error(`${entry.name}: wrangler exited (${entry.exitCode})`);
    const runtime = runtimeInspector(entry.debugLogDir);
    if (runtime) {
      const address = `127.0.0.1:${runtime.port}`;
      try {
        const res = await fetch(`http://${address}/json`, { signal: AbortSignal.timeout(2000) });
        const workers = (await res.json())
          .map((t) => t.id)
          .filter((id) => id.startsWith("core:user:") && !id.startsWith("core:user:miniflare-"))
          .map((id) => id.slice("core:user:".length));
        const urls = Object.fromEntries(
          workers.map((worker) => [
            worker,
            worker === runtime.primary ? `ws://localhost:${entry.inspectorPort}/ws` : `ws://${address}/core:user:${worker}`,
          ]),
        );
        if (workers.length > 0) return { address, workers, urls };
      } catch {
        // not listening yet
      }
    }
    await sleep(200);
  }
  throw new Error(`${entry.name}: wrangler's debug log named no workerd inspector within ${timeoutMs / 1000} s`);
}

/** Which package or source file a line of an unminified bundle comes from (esbuild's `// path` markers). */
export function sectionsOf(source) {
  const markers = [];
  source.split("\n").forEach((line, index) => {
    const match = line.match(/^\/\/ (\S+\.(?:m?[jt]s|json))$/);
    if (!match) return;
    const file = match[1].replace(/^(\.\.\/)+/, "");
    const pkg = file.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1];
    markers.push({ line: index, label: pkg ?? file });
  });
  return (line) => {
    let lo = 0;
    let hi = markers.length - 1;
    let found = "(bundle)";
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (markers[mid].line <= line) {
        found = markers[mid].label;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

/**
 * Each sample's weight in microseconds: its time delta, capped at twice the median delta.
 * A process the machine descheduled takes its next sample late, and the whole gap would
 * otherwise be billed to whatever function it stopped in (on a shared machine, tens of ms).
 */
export function sampleWeights(prof) {
  const sorted = [...prof.timeDeltas].sort((a, b) => a - b);
  const cap = 2 * (sorted[Math.floor(sorted.length / 2)] ?? 0);
  return prof.timeDeltas.map((delta) => Math.min(delta ?? 0, cap));
}

/**
 * Self time by package or source file, self time by function and inclusive time by
 * function, in percent of the sampled time (idle left out; see {@link sampleWeights}).
 * `sectionFor(node)` returns the line-to-package map of the node's script, or null.
 */
export function summarize(prof, sectionFor) {
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const weights = sampleWeights(prof);
  const timeById = new Map();
  for (const [i, id] of prof.samples.entries()) timeById.set(id, (timeById.get(id) ?? 0) + weights[i]);
  for (const [id] of timeById) if (byId.get(id).callFrame.functionName === "(idle)") timeById.delete(id);
  const total = [...timeById.values()].reduce((a, b) => a + b, 0);
  const where = (n) => sectionFor(n)?.(n.callFrame.lineNumber) ?? (n.callFrame.url ? path.basename(n.callFrame.url) : "(native)");
  const name = (n) => `${n.callFrame.functionName || "(anonymous)"} [${where(n)}]`;
  const selfByPackage = new Map();
  const selfByFunction = new Map();
  const inclusive = new Map();
  for (const [id, t] of timeById) {
    const node = byId.get(id);
    const system = node.callFrame.functionName.startsWith("(") && node.callFrame.url === "";
    const pkg = system ? node.callFrame.functionName : where(node);
    selfByPackage.set(pkg, (selfByPackage.get(pkg) ?? 0) + t);
    selfByFunction.set(name(node), (selfByFunction.get(name(node)) ?? 0) + t);
    const seen = new Set();
    for (let cur = parent.get(id); cur !== undefined; cur = parent.get(cur)) {
      const key = name(byId.get(cur));
      if (seen.has(key) || byId.get(cur).callFrame.functionName === "(root)") continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + t);
    }
    if (!seen.has(name(node))) inclusive.set(name(node), (inclusive.get(name(node)) ?? 0) + t);
  }
  const top = (map, n) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([key, t]) => ({ where: key, pct: round((t / total) * 100, 1), ms: round(t / 1000, 1) }));
  return {
    sampledMs: round(total / 1000, 1),
    byPackage: top(selfByPackage, 14),
    selfByFunction: top(selfByFunction, 15),
    // Anonymous functions are lumped together by name, which says nothing: leave them out.
    inclusive: top(new Map([...inclusive].filter(([key]) => !key.startsWith("(anonymous)"))), 25),
  };
}

/**
 * Profiles `workers` (names; all the inspector lists by default) while `work()` runs.
 * Returns work's result, a summary per Worker, and `save(name)` writing the profiles.
 */
export async function profileWhile(inspector, work, workers = inspector.workers) {
  const sessions = [];
  try {
    for (const worker of workers) {
      const session = await inspect(inspector.urls[worker]);
      sessions.push({ worker, session });
      await session.send("Profiler.enable");
      await session.send("Profiler.setSamplingInterval", { interval: 200 }).catch(() => {});
    }
    for (const { session } of sessions) await session.send("Profiler.start");
    const result = await work();
    const profiles = [];
    for (const { worker, session } of sessions) {
      const { profile: prof } = await session.send("Profiler.stop");
      await session.send("Debugger.enable");
      const sections = new Map();
      for (const scriptId of new Set(prof.nodes.map((n) => n.callFrame.scriptId).filter((id) => id && id !== "0"))) {
        try {
          const { scriptSource } = await session.send("Debugger.getScriptSource", { scriptId });
          if (scriptSource.length > 10_000) sections.set(scriptId, sectionsOf(scriptSource));
        } catch {
          // scripts that went away
        }
      }
      await session.send("Debugger.disable").catch(() => {});
      profiles.push({ worker, prof, summary: summarize(prof, (node) => sections.get(node.callFrame.scriptId)) });
    }
    const save = (name) =>
      profiles.map(({ worker, prof }) => {
        mkdirSync(RESULTS, { recursive: true });
        const file = path.join(RESULTS, `${name}${profiles.length > 1 ? `-${worker}` : ""}.cpuprofile`);
        writeFileSync(file, JSON.stringify(prof));
        return path.relative(ROOT, file);
      });
    return {
      result,
      summary: profiles.length === 1 ? profiles[0].summary : Object.fromEntries(profiles.map((p) => [p.worker, p.summary])),
      perWorker: profiles.map(({ worker, summary }) => ({ worker, ...summary })),
      save,
    };
  } finally {
    for (const { session } of sessions) session.close();
  }
}

/** Prints a profile summary. */
export function printSummary(summary, indent = "") {
  const line = (e) => `${indent}  ${e.pct.toFixed(1).padStart(5)}%  ${e.where}`;
  console.log(`${indent}self time by package or source file (of ${summary.sampledMs} ms sampled):`);
  console.log(summary.byPackage.map(line).join("\n"));
  console.log(`${indent}inclusive time (function [package]):`);
  console.log(summary.inclusive.map(line).join("\n"));
}
