// What does not need a server: the deployable bundle size and the cost of scrypt.
import { randomBytes, scryptSync } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { gzipSync } from "node:zlib";
import { round } from "./format.mjs";
import { wranglerSync } from "./processes.mjs";
import { PASSWORD } from "./settings.mjs";

export function measureBundle(label, configArgs) {
  const outdir = mkdtempSync(path.join(os.tmpdir(), "bench-bundle-"));
  try {
    const output = wranglerSync(
      ["deploy", "--dry-run", "--minify", "--outdir", outdir, ...configArgs],
      `${label}: wrangler deploy --dry-run`,
    );
    let raw = 0;
    let gzip = 0;
    const files = [];
    const walk = (dir) => {
      for (const name of readdirSync(dir)) {
        const file = path.join(dir, name);
        if (statSync(file).isDirectory()) walk(file);
        else if (!name.endsWith(".map") && name !== "README.md") {
          const bytes = readFileSync(file);
          const gz = gzipSync(bytes, { level: 9 }).length;
          raw += bytes.length;
          gzip += gz;
          files.push({ file: path.relative(outdir, file), bytes: bytes.length, gzipBytes: gz });
        }
      }
    };
    walk(outdir);
    const wranglerLine = output.match(/Total Upload:[^\n]*/)?.[0]?.trim() ?? null;
    return {
      label,
      rawBytes: raw,
      gzipBytes: gzip,
      rawKiB: round(raw / 1024, 1),
      gzipKiB: round(gzip / 1024, 1),
      files,
      wranglerReport: wranglerLine,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Times scrypt as @better-auth/utils/password does it (NFKC password, hex salt string, 64-byte key). */
export function timeScrypt({ N, r, p }, runs) {
  const maxmem = 128 * N * r * p * 2 + 1024 * 1024;
  const once = () => {
    const salt = randomBytes(16).toString("hex");
    const start = performance.now();
    const cpu = process.cpuUsage();
    scryptSync(PASSWORD.normalize("NFKC"), salt, 64, { N, r, p, maxmem });
    const cpuUs = process.cpuUsage(cpu);
    return { wall: performance.now() - start, cpu: (cpuUs.user + cpuUs.system) / 1000 };
  };
  once(); // warm-up
  const samples = Array.from({ length: runs }, once);
  const med = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  return {
    N,
    r,
    p,
    memoryBytes: 128 * N * r, // scrypt's V array; p lanes run one after another and reuse it
    memoryMiB: (128 * N * r) / 2 ** 20,
    workNrp: N * r * p,
    runs,
    medianMs: round(med(samples.map((s) => s.wall)), 1),
    medianCpuMs: round(med(samples.map((s) => s.cpu)), 1),
    minMs: round(Math.min(...samples.map((s) => s.wall)), 1),
    maxMs: round(Math.max(...samples.map((s) => s.wall)), 1),
  };
}
