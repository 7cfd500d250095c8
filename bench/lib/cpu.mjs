// How much CPU other processes used during a run, from /proc (Linux).
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { round } from "./format.mjs";
import { processGroups } from "./processes.mjs";

/**
 * Busy CPU time of the whole machine and of this benchmark's own processes (this Node
 * process, which runs autocannon, and every wrangler process group it started), in
 * USER_HZ ticks, from /proc. `null` where /proc is not available.
 */
export function cpuSnapshot() {
  try {
    const fields = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: busy = all but idle and iowait.
    const busy = fields.slice(0, 8).reduce((a, b) => a + b, 0) - fields[3] - fields[4];
    const groups = new Set(processGroups().keys());
    const ours = new Map(); // pid -> { ticks, pgid }
    for (const name of readdirSync("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      let stat;
      try {
        stat = readFileSync(`/proc/${name}/stat`, "utf8");
      } catch {
        continue;
      }
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields from 3 (state) on
      const pgid = Number(rest[2]);
      if (Number(name) === process.pid || groups.has(pgid)) ours.set(Number(name), { ticks: Number(rest[11]) + Number(rest[12]), pgid }); // utime + stime
    }
    return { busy, ours, at: performance.now() };
  } catch {
    return null;
  }
}

/**
 * CPU cores' worth of work done by other processes between two snapshots, the CPU
 * milliseconds each of our wrangler process groups used (by group id), and the process
 * groups of ours whose processes changed (wrangler restarted workerd, e.g. after a source
 * file changed). A process of ours that ended in between counts as other.
 */
export function cpuBetween(before, after) {
  if (!before || !after) return { otherCpuCores: null, restartedGroups: [], groupCpuMs: null };
  const seconds = (after.at - before.at) / 1000;
  const ticksPerSecond = 100; // USER_HZ on Linux
  let ours = 0;
  const groupCpuMs = new Map();
  for (const [pid, { ticks, pgid }] of after.ours) {
    const used = ticks - (before.ours.get(pid)?.ticks ?? 0);
    ours += used;
    if (pgid !== process.pid) groupCpuMs.set(pgid, (groupCpuMs.get(pgid) ?? 0) + (used * 1000) / ticksPerSecond);
  }
  const restarted = new Set();
  for (const [pid, { pgid }] of before.ours) if (!after.ours.has(pid)) restarted.add(pgid);
  for (const [pid, { pgid }] of after.ours) if (!before.ours.has(pid)) restarted.add(pgid);
  const cores = Math.min(os.cpus().length, Math.max(0, after.busy - before.busy - ours) / ticksPerSecond / seconds);
  const names = processGroups();
  return {
    otherCpuCores: round(cores, 2),
    restartedGroups: [...restarted].map((pgid) => names.get(pgid) ?? String(pgid)),
    groupCpuMs,
  };
}
