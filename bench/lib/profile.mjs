// CPU profiles of a Worker under load, through the `wrangler dev` inspector port (BENCH_PROFILE=1).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { round } from "./format.mjs";
import { runAutocannon } from "./load.mjs";
import { CONNECTIONS, DURATION, RESULTS, ROOT } from "./settings.mjs";

/** A DevTools protocol session with a `wrangler dev` inspector port. */
async function inspect(port) {
  const ws = new WebSocket(`ws://localhost:${port}/ws`, { headers: { origin: "http://localhost" } });
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error(`cannot connect to the inspector on port ${port}`));
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

/** Which package or source file a line of the dev bundle comes from (esbuild's `// path` markers). */
function sectionsOf(source) {
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

/** Profiles the Worker behind `server` while `scenario` runs; writes the .cpuprofile and returns a summary. */
export async function profile(scenario, server, stamp) {
  const seconds = Math.min(DURATION, 5);
  const session = await inspect(server.inspectorPort);
  try {
    await session.send("Profiler.enable");
    await session.send("Profiler.start");
    const r = await runAutocannon(scenario, server, { connections: CONNECTIONS, duration: seconds });
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
    mkdirSync(RESULTS, { recursive: true });
    const file = path.join(RESULTS, `${stamp}-${server.key}-${scenario.id}.cpuprofile`);
    writeFileSync(file, JSON.stringify(prof));

    const byId = new Map(prof.nodes.map((n) => [n.id, n]));
    const parent = new Map();
    for (const n of prof.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
    const timeById = new Map();
    for (const [i, id] of prof.samples.entries()) timeById.set(id, (timeById.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
    const total = [...timeById.values()].reduce((a, b) => a + b, 0);
    const where = (n) =>
      sections.get(n.callFrame.scriptId)?.(n.callFrame.lineNumber) ?? (n.callFrame.url ? path.basename(n.callFrame.url) : "(native)");
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
        .map(([key, t]) => ({ where: key, pct: round((t / total) * 100, 1) }));
    return {
      file: path.relative(ROOT, file),
      seconds,
      rpsWhileProfiling: round(r.requests.total / r.duration, 1),
      byPackage: top(selfByPackage, 12),
      selfByFunction: top(selfByFunction, 15),
      // Anonymous functions are lumped together by name, which says nothing: leave them out.
      inclusive: top(new Map([...inclusive].filter(([key]) => !key.startsWith("(anonymous)"))), 25),
    };
  } finally {
    session.close();
  }
}
