// The local settings `wrangler dev` reads from .dev.vars: a random secret (once),
// development mode, the console outbox and sign-in without verifying the address first.
// Shared by `npm run dev` and `npm run bench`.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const devVarsPath = fileURLToPath(new URL("../.dev.vars", import.meta.url));

/** Adds to .dev.vars whatever of the local settings it lacks; returns the names added. */
export function ensureDevVars() {
  const defaults = {
    ENVIRONMENT: "development",
    BETTER_AUTH_SECRET: randomBytes(32).toString("base64url"),
    MAIL_TRANSPORT: "outbox",
    // Locally, a sign-up signs in at once; deployed, the address must be verified first.
    REQUIRE_EMAIL_VERIFICATION: "false",
  };
  const existing = existsSync(devVarsPath) ? readFileSync(devVarsPath, "utf8") : "";
  const present = new Set(existing.split("\n").map((line) => line.split("=")[0]?.trim()));
  const missing = Object.entries(defaults).filter(([name]) => !present.has(name));
  if (missing.length > 0) {
    const lines = missing.map(([name, value]) => `${name}=${value}`).join("\n");
    writeFileSync(devVarsPath, `${existing}${existing && !existing.endsWith("\n") ? "\n" : ""}${lines}\n`);
  }
  return missing.map(([name]) => name);
}

/** The value of `name` in .dev.vars, or `undefined`. */
export function devVar(name) {
  if (!existsSync(devVarsPath)) return undefined;
  for (const line of readFileSync(devVarsPath, "utf8").split("\n")) {
    const eq = line.indexOf("=");
    if (eq <= 0 || line.slice(0, eq).trim() !== name) continue;
    const value = line.slice(eq + 1).trim();
    // Unquoted as dotenv (and so wrangler) reads it.
    return value.replace(/^(["'])(.*)\1$/, "$2");
  }
  return undefined;
}
