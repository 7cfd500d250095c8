/**
 * The JWT plugin's signing keys, read from D1 as Better Auth stores them,
 * with the rule that lets the secret rotate: a key signs only while its
 * private key opens with the current secret. docs/security.md, "Rotating
 * the secret".
 */
import type { GenericEndpointContext } from "better-auth";
import { type SecretConfig, symmetricDecrypt } from "better-auth/crypto";
import type { Jwk } from "better-auth/plugins/jwt";

/** How long a JWT signing key signs before the next one takes over. */
export const JWT_KEY_ROTATION_SECONDS = 30 * 86_400;

/**
 * The jwt plugin's `adapter.getJwks`: every key, after retiring the live ones
 * that may no longer sign.
 *
 * - A key sealed with another secret than the current one (the secret has
 *   rotated) is retired at once: Better Auth then makes a new key, sealed
 *   with the current secret, instead of failing to open the old one; and a
 *   key sealed with a secret that may have leaked stops signing.
 * - A key without an end (made before keys rotated) ends
 *   {@link JWT_KEY_ROTATION_SECONDS} after it was made.
 *
 * A retired key keeps its row and stays in the JWKS for the plugin's grace
 * period, so the JWTs it signed verify until they expire. The end is written
 * to D1, so the grace period counts from the retirement everywhere.
 *
 * @example
 * ```ts
 * jwt({ adapter: { getJwks: retiringJwks() } });
 * ```
 */
export function retiringJwks(): (ctx: GenericEndpointContext) => Promise<Jwk[]> {
  // Per key id: whether it opens with the current secret. One Better Auth instance never changes secrets.
  const opens = new Map<string, Promise<boolean>>();
  return async (ctx) => {
    const keys = await ctx.context.adapter.findMany<Jwk>({ model: "jwks" });
    const now = new Date();
    for (const key of keys) {
      if (key.expiresAt && key.expiresAt <= now) continue;
      let sealed = opens.get(key.id);
      if (!sealed) {
        sealed = opensWithCurrentSecret(key, ctx.context.secretConfig);
        opens.set(key.id, sealed);
      }
      const end = (await sealed) ? (key.expiresAt ?? new Date(key.createdAt.getTime() + JWT_KEY_ROTATION_SECONDS * 1000)) : now;
      if (end.getTime() === key.expiresAt?.getTime()) continue;
      await ctx.context.adapter.update({ model: "jwks", where: [{ field: "id", value: key.id }], update: { expiresAt: end } });
      key.expiresAt = end;
    }
    return keys;
  };
}

/** Whether the key's private key opens with the current secret alone (not a previous one, nor Better Auth's legacy secret). */
async function opensWithCurrentSecret(key: Jwk, secretConfig: string | SecretConfig): Promise<boolean> {
  const current =
    typeof secretConfig === "string"
      ? secretConfig
      : {
          keys: new Map([[secretConfig.currentVersion, secretConfig.keys.get(secretConfig.currentVersion) ?? ""]]),
          currentVersion: secretConfig.currentVersion,
        };
  try {
    await symmetricDecrypt({ key: current, data: JSON.parse(key.privateKey) as string });
    return true;
  } catch {
    return false;
  }
}
