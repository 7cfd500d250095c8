// The Workers under test: each on its own port and state, with users signed up.
import { randomBytes, randomInt } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { ensureDevVars } from "../../scripts/dev-vars.mjs";
import { freePort, startWrangler, stopWrangler, waitReady, wranglerSync } from "./processes.mjs";
import { makeSessions, seedSql } from "./sessions.mjs";
import { EXAMPLE_CONFIG, IP_POOL, PASSWORD, ROOT, STATE, USERS } from "./settings.mjs";

/** A pool of distinct random IPv4 addresses, handed out round-robin. */
export function ipPool(size) {
  const set = new Set();
  while (set.size < size) set.add(`${randomInt(1, 224)}.${randomInt(0, 256)}.${randomInt(0, 256)}.${randomInt(1, 255)}`);
  const list = [...set];
  let i = 0;
  return () => list[i++ % list.length];
}

export const randomSecret = () => randomBytes(32).toString("base64url"); // 43 characters

/**
 * Starts one wrangler dev server on a fresh persist dir, after applying the D1 migrations.
 * `configs` are wrangler config paths, the first one served on the port.
 */
export async function startServer({ key, label, configs, migrateConfig, persist, vars, readyPath, accept, trustedOrigin, prepare }) {
  const persistDir = path.join(STATE, persist);
  rmSync(persistDir, { recursive: true, force: true });
  wranglerSync(["d1", "migrations", "apply", "DB", "--local", "-c", migrateConfig, "--persist-to", persistDir], `${label}: D1 migrations`);
  // Whatever must be in storage before the Worker starts (seeded sessions).
  await prepare?.(persistDir);
  const port = await freePort();
  const inspectorPort = await freePort();
  const args = ["dev", ...configs.flatMap((config) => ["-c", config]), "--port", String(port), "--inspector-port", String(inspectorPort)];
  args.push("--persist-to", persistDir, "--log-level", "warn", "--show-interactive-dev-session=false");
  for (const [name, value] of Object.entries(vars(port))) args.push("--var", `${name}:${value}`);
  const entry = startWrangler(key, args);
  const origin = `http://localhost:${port}`;
  const started = performance.now();
  await waitReady(entry, origin + readyPath, accept);
  // origin: where requests go; trustedOrigin: the Origin header credential routes need.
  return {
    key,
    label,
    port,
    inspectorPort,
    origin,
    trustedOrigin: trustedOrigin ?? origin,
    entry,
    startupMs: Math.round(performance.now() - started),
  };
}

/** Signs up `count` users through the HTTP API; returns their email, cookie and bearer token. */
export async function createUsers(server, count, nextIp, prefix) {
  const users = [];
  const queue = Array.from({ length: count }, (_, i) => i);
  const worker = async () => {
    for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
      const email = `${prefix}-${i}-${randomBytes(4).toString("hex")}@bench.example`;
      const res = await fetch(`${server.origin}/api/auth/sign-up/email`, {
        method: "POST",
        // x-auth-mode: the project Worker hands a bearer token to a request with an Origin only when asked.
        headers: {
          "content-type": "application/json",
          origin: server.trustedOrigin,
          "x-auth-mode": "bearer",
          "cf-connecting-ip": nextIp(),
        },
        body: JSON.stringify({ name: `Bench ${i}`, email, password: PASSWORD }),
      });
      const text = await res.text();
      const bearer = res.headers.get("set-auth-token");
      const cookie = res.headers
        .getSetCookie()
        .map((c) => c.split(";")[0])
        .find((c) => /^(__Secure-|__Host-)?better-auth\.session_token=/.test(c));
      if (res.status !== 200 || !bearer || !cookie) {
        throw new Error(
          `${server.label}: sign-up of ${email} answered ${res.status} (bearer: ${!!bearer}, cookie: ${!!cookie}): ${text.slice(0, 300)}`,
        );
      }
      users.push({ email, cookie, bearer });
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return users;
}

/**
 * The example consumer Worker with a Service Binding to the auth Worker, both in one
 * `wrangler dev` (the first config is served on the port; persistence is the first's).
 * Users sign up through the example's /api/auth/*, which it forwards to the auth Worker.
 *
 * Note: wrangler passes --var only to the first config. The auth Worker (second config)
 * takes its vars from wrangler.toml and .dev.vars, so this writes the .dev.vars that
 * `npm run dev` writes (ENVIRONMENT, BETTER_AUTH_SECRET, MAIL_TRANSPORT, REQUIRE_EMAIL_VERIFICATION)
 * when it is missing.
 */
export async function startExample() {
  ensureDevVars();
  const server = await startServer({
    key: "example",
    label: "example Worker",
    configs: [path.relative(ROOT, EXAMPLE_CONFIG), "wrangler.toml"],
    migrateConfig: "wrangler.toml",
    persist: "example",
    vars: () => ({
      ENVIRONMENT: "development",
      BETTER_AUTH_SECRET: randomSecret(),
      MAIL_TRANSPORT: "outbox",
      REQUIRE_EMAIL_VERIFICATION: "false",
    }),
    readyPath: "/private",
    accept: (status) => status === 401,
  });
  try {
    server.nextIp = ipPool(IP_POOL);
    server.users = await createUsers(server, USERS, server.nextIp, "example");
    const check = await fetch(`${server.origin}/private`, {
      headers: { authorization: `Bearer ${server.users[0].bearer}`, "cf-connecting-ip": server.nextIp() },
    });
    const body = await check.text();
    if (check.status !== 200) throw new Error(`GET /private with a fresh bearer token answered ${check.status}: ${body.slice(0, 200)}`);
  } catch (error) {
    await stopWrangler(server.entry);
    throw error;
  }
  server.usersVia = "users signed up through the example's /api/auth/* forward";
  return server;
}

/**
 * Seeds `count` sessions into the local D1 and KV under `persistDir`, signed with
 * `secret`, before the project Worker starts there: the rows through
 * `wrangler d1 execute --file`, the KV copies through a throwaway Worker on the same
 * namespace (bench/seed; `wrangler kv bulk put --local` writes one key after another,
 * over twice as long). Returns the sessions with their signed credentials.
 */
export async function seedSessions(persistDir, { count, secret, label }) {
  const started = performance.now();
  const seed = await makeSessions({ count, secret, prefix: "seeded" });
  const sqlFile = path.join(STATE, "seed.sql");
  writeFileSync(sqlFile, `${seedSql(seed).join("\n")}\n`);
  wranglerSync(
    ["d1", "execute", "DB", "--local", "-c", "wrangler.toml", "--persist-to", persistDir, "--file", sqlFile],
    `${label}: seeding D1`,
  );
  rmSync(sqlFile, { force: true });
  const port = await freePort();
  const entry = startWrangler("seed", [
    "dev",
    "-c",
    "bench/seed/wrangler.toml",
    "--port",
    String(port),
    "--persist-to",
    persistDir,
    "--log-level",
    "warn",
    "--show-interactive-dev-session=false",
    "--inspector-port",
    String(await freePort()),
  ]);
  try {
    const origin = `http://localhost:${port}`;
    await waitReady(entry, origin, (status) => status === 405);
    const batches = [];
    for (let i = 0; i < seed.sessions.length; i += 1000) batches.push(seed.sessions.slice(i, i + 1000).map((s) => s.kv));
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < batches.length; i = next++) {
        const res = await fetch(origin, { method: "POST", body: JSON.stringify(batches[i]) });
        const text = await res.text();
        if (res.status !== 200) throw new Error(`${label}: seeding KV answered ${res.status}: ${text.slice(0, 200)}`);
      }
    };
    await Promise.all([worker(), worker()]);
  } finally {
    await stopWrangler(entry);
  }
  console.log(
    `${label}: ${count.toLocaleString("en")} sessions seeded into D1 and KV in ${Math.round((performance.now() - started) / 1000)} s`,
  );
  return seed.sessions;
}
