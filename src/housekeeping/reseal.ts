/**
 * Second factors across a secret rotation: TOTP secrets and backup codes are
 * sealed with the current secret (`$ba$<version>$…`). Rows sealed with an
 * earlier one are opened and sealed again by the hourly purge, so dropping
 * the old secret after the grace period locks nobody out of their second
 * factor. docs/second-factors.md, "Secret rotation".
 */
import { symmetricDecrypt, symmetricEncrypt } from "better-auth/crypto";
import { and, eq, notLike, or } from "drizzle-orm";
import type { Config } from "../config";
import type { Db } from "../db/client";
import { twoFactor } from "../db/schema";
import { logError } from "../log";

type SealingKey = Exclude<Parameters<typeof symmetricEncrypt>[0]["key"], string>;

/** Better Auth's key set for `symmetricEncrypt`/`symmetricDecrypt`, from the configured secrets. */
function sealingKey(config: Pick<Config, "secrets" | "secret">): SealingKey {
  const [current] = config.secrets;
  if (!current) throw new Error("no secret configured");
  return {
    keys: new Map(config.secrets.map((entry) => [entry.version, entry.value])),
    currentVersion: current.version,
    legacySecret: config.secret,
  };
}

/**
 * Seals again, with the current secret, up to `limit` rows sealed with an
 * earlier one; returns how many. A row changed meanwhile (a backup code
 * used) is left to the next run; one no configured secret opens is logged.
 */
export async function resealSecondFactors(db: Db, config: Pick<Config, "secrets" | "secret">, limit: number): Promise<number> {
  const key = sealingKey(config);
  const sealed = `$ba$${key.currentVersion}$%`;
  const stale = await db
    .select({ id: twoFactor.id, secret: twoFactor.secret, backupCodes: twoFactor.backupCodes })
    .from(twoFactor)
    .where(or(notLike(twoFactor.secret, sealed), notLike(twoFactor.backupCodes, sealed)))
    .limit(limit);
  let resealed = 0;
  for (const row of stale) {
    try {
      const reseal = async (data: string) => symmetricEncrypt({ key, data: await symmetricDecrypt({ key, data }) });
      const done = await db
        .update(twoFactor)
        .set({ secret: await reseal(row.secret), backupCodes: await reseal(row.backupCodes) })
        .where(and(eq(twoFactor.id, row.id), eq(twoFactor.secret, row.secret), eq(twoFactor.backupCodes, row.backupCodes)))
        .returning({ id: twoFactor.id });
      resealed += done.length;
    } catch (error) {
      logError("could not reseal a second factor", error);
    }
  }
  return resealed;
}
