// What does not need a server: the deployable bundle size and the cost of scrypt.
import { randomBytes, scryptSync } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { gzipSync } from "node:zlib";
import { fmt, round, table } from "./format.mjs";
import { wranglerSync } from "./processes.mjs";
import { PASSWORD, SCRYPT_RUNS } from "./settings.mjs";

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

/** Times and prints scrypt with Better Auth's parameters and OWASP's; returns the timings. */
export function scryptSection() {
  console.log("== password hashing (scrypt via node:crypto, in this Node process)");
  const betterAuthParams = { N: 16384, r: 16, p: 1 };
  const owaspParams = [
    { N: 2 ** 17, r: 8, p: 1 },
    { N: 2 ** 16, r: 8, p: 2 },
    { N: 2 ** 15, r: 8, p: 3 },
    { N: 2 ** 14, r: 8, p: 5 },
    { N: 2 ** 13, r: 8, p: 10 },
  ];
  const scrypt = {
    betterAuth: timeScrypt(betterAuthParams, SCRYPT_RUNS),
    owaspMinimums: owaspParams.map((params) => timeScrypt(params, Math.max(3, Math.round(SCRYPT_RUNS / 4)))),
  };
  const scryptRows = [
    [
      "Better Auth 1.7 default (stock setup)",
      `N=2^14 r=16 p=1`,
      fmt(scrypt.betterAuth.memoryMiB),
      scrypt.betterAuth.workNrp.toLocaleString("en"),
      fmt(scrypt.betterAuth.medianMs, 1),
      fmt(scrypt.betterAuth.medianCpuMs, 1),
      scrypt.betterAuth.runs,
    ],
    ...scrypt.owaspMinimums.map((s, i) => [
      i === 0 ? "OWASP minimum" : s.N === 2 ** 15 && s.r === 8 && s.p === 3 ? "OWASP equivalent (this project)" : "OWASP equivalent",
      `N=2^${Math.log2(s.N)} r=${s.r} p=${s.p}`,
      fmt(s.memoryMiB),
      s.workNrp.toLocaleString("en"),
      fmt(s.medianMs, 1),
      fmt(s.medianCpuMs, 1),
      s.runs,
    ]),
  ];
  console.log(table(["setting", "parameters", "memory MiB (128*N*r)", "N*r*p", "median ms", "median CPU ms", "runs"], scryptRows));
  const ba = scrypt.betterAuth;
  const owasp = scrypt.owaspMinimums[0];
  const ours = scrypt.owaspMinimums.find((s) => s.N === 2 ** 15 && s.r === 8 && s.p === 3);
  console.log(
    `Better Auth's default uses ${fmt(ba.memoryMiB)} MiB and ${fmt((ba.workNrp / owasp.workNrp) * 100)}% of the N*r*p work of OWASP's N=2^17 r=8 p=1 (${fmt(owasp.memoryMiB)} MiB), ` +
      `below the OWASP Password Storage Cheat Sheet minimum; this project hashes with the listed equivalent N=2^15 r=8 p=3 ` +
      `(${fmt(ours?.memoryMiB ?? 32)} MiB, ${fmt(ours?.medianCpuMs ?? 0, 1)} ms CPU here).`,
  );
  console.log(
    `Workers CPU limit: ${fmt(ours?.medianCpuMs ?? ba.medianCpuMs, 1)} ms per hash here (workerd's node:crypto scrypt is native too; edge CPUs differ). ` +
      `Paid plan: 30 s CPU per request by default (limits.cpu_ms up to 300000), so one hash per sign-in/sign-up is far below it; ` +
      `Free plan: 10 ms CPU per request, which one hash alone exceeds on this machine. ` +
      `Memory: an isolate has 128 MB, so OWASP's 128 MiB scrypt (N=2^17 r=8) cannot run in a Worker at all; the p>1 equivalents trade memory for time.\n`,
  );
  return scrypt;
}

/** Measures and prints the deployable bundles of `targets` ([label, wrangler args]). */
export function bundleSection(targets) {
  console.log("== bundle size (wrangler deploy --dry-run --minify, gzip level 9 via node:zlib)");
  const bundles = [];
  for (const [label, args] of targets) {
    try {
      bundles.push(measureBundle(label, args));
    } catch (error) {
      console.log(`${label}: bundle size not measured: ${error.message.split("\n").slice(0, 6).join(" | ")}`);
      bundles.push({ label, error: error.message });
    }
  }
  console.log(
    table(
      ["worker", "raw KiB", "gzip KiB", "wrangler says"],
      bundles.filter((b) => !b.error).map((b) => [b.label, fmt(b.rawKiB, 1), fmt(b.gzipKiB, 1), b.wranglerReport ?? "-"]),
      new Set([0, 3]),
    ),
  );
  console.log("");
  return bundles;
}
