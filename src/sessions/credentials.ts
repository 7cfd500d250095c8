/**
 * The session credential of a request: a bearer token (`Authorization:
 * Bearer <token>.<signature>`) or the session cookie, both signed as Better
 * Auth signs them. A credential whose signature does not check out with one
 * of the configured secrets is no credential, before any lookup. During a
 * rotation the previous secrets still verify; only the current one signs.
 */
import type { SecretConfig } from "better-auth/crypto";

/** Better Auth's signatures: standard base64 of an HMAC-SHA-256, 44 characters with padding. */
const SIGNATURE_LENGTH = 44;

/** The HMAC keys of the configured secrets: the current one signs and verifies, the previous ones only verify. */
export interface CredentialKeys {
  current: CryptoKey;
  previous: CryptoKey[];
}

/** A credential whose signature checked out: its session token, and whether the current secret signed it. */
export interface VerifiedCredential {
  token: string;
  current: boolean;
}

/**
 * The secrets Better Auth was given, current first. Better Auth's legacy
 * secret is left out: it only opens data sealed before versioned secrets.
 *
 * @example
 * ```ts
 * const keys = await credentialKeys(secretsOf((await auth.$context).secretConfig));
 * ```
 */
export function secretsOf(secretConfig: string | SecretConfig): string[] {
  if (typeof secretConfig === "string") return [secretConfig];
  const current = secretConfig.keys.get(secretConfig.currentVersion) ?? "";
  return [current, ...[...secretConfig.keys.values()].filter((secret) => secret !== current)];
}

/**
 * The HMAC keys Better Auth signs session tokens with, for {@link sessionCredential}.
 *
 * @param secrets current first
 */
export async function credentialKeys(secrets: readonly string[]): Promise<CredentialKeys> {
  const [current, ...previous] = await Promise.all(
    secrets.map((secret) =>
      crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]),
    ),
  );
  if (!current) throw new Error("no secret to sign with");
  return { current, previous };
}

/**
 * The session credential `headers` carry, checked against its signature: the
 * bearer token first (as Better Auth's bearer plugin reads it), then the
 * cookie named `cookieName`. `null` when neither is validly signed.
 *
 * @param verified credentials already checked in this isolate (read and filled)
 */
export async function sessionCredential(
  headers: Headers,
  cookieName: string,
  keys: CredentialKeys,
  verified?: Map<string, VerifiedCredential>,
): Promise<VerifiedCredential | null> {
  for (const credential of [bearerValue(headers), cookieValue(headers, cookieName)]) {
    if (!credential) continue;
    const found = verified?.get(credential) ?? (await verify(credential, keys));
    if (found) {
      verified?.set(credential, found);
      return found;
    }
  }
  return null;
}

/**
 * `<token>.<signature>` with the current secret, as Better Auth signs a
 * session cookie.
 *
 * @example
 * ```ts
 * setRequestCookie(headers, cookieName, await signedToken(found.token, keys));
 * ```
 */
export async function signedToken(token: string, keys: CredentialKeys): Promise<string> {
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", keys.current, new TextEncoder().encode(token)));
  return `${token}.${btoa(String.fromCharCode(...signature))}`;
}

function bearerValue(headers: Headers): string | null {
  const authorization = headers.get("authorization");
  if (!authorization || !/^bearer /i.test(authorization)) return null;
  return decode(authorization.slice(7).trim());
}

/** The first value of cookie `name`, as Better Auth reads it. */
function cookieValue(headers: Headers, name: string): string | null {
  const header = headers.get("cookie");
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      let value = part.slice(eq + 1).trim();
      if (value.startsWith('"')) value = value.slice(1, -1);
      return decode(value);
    }
  }
  return null;
}

/** The token inside `<token>.<signature>` when one of our secrets signed it; otherwise `null`. */
async function verify(credential: string, keys: CredentialKeys): Promise<VerifiedCredential | null> {
  const dot = credential.lastIndexOf(".");
  if (dot < 1) return null;
  const signature = credential.slice(dot + 1);
  if (signature.length !== SIGNATURE_LENGTH || !signature.endsWith("=")) return null;
  const token = credential.slice(0, dot);
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.from(atob(signature), (char) => char.charCodeAt(0));
  } catch {
    return null;
  }
  const data = new TextEncoder().encode(token);
  for (const key of [keys.current, ...keys.previous]) {
    if (await crypto.subtle.verify("HMAC", key, bytes, data)) return { token, current: key === keys.current };
  }
  return null;
}

function decode(value: string): string {
  try {
    return value.includes("%") ? decodeURIComponent(value) : value;
  } catch {
    return value;
  }
}
