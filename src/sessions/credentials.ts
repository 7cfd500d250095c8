/**
 * The session credential of a request: a bearer token (`Authorization:
 * Bearer <token>.<signature>`) or the session cookie, both signed with the
 * secret as Better Auth signs them. A credential whose signature does not
 * check out is no credential, before any lookup.
 */

/** Better Auth's signatures: standard base64 of an HMAC-SHA-256, 44 characters with padding. */
const SIGNATURE_LENGTH = 44;

/**
 * The HMAC key Better Auth signs session tokens with, for {@link sessionToken}.
 *
 * @example
 * ```ts
 * const key = await signingKey(context.secret);
 * ```
 */
export function signingKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
}

/**
 * The session token that `headers` carry, checked against its signature: the
 * bearer token first (as Better Auth's bearer plugin reads it), then the
 * cookie named `cookieName`. `null` when neither is validly signed.
 *
 * @param verified credentials already checked in this isolate, and their token (read and filled)
 */
export async function sessionToken(
  headers: Headers,
  cookieName: string,
  key: CryptoKey,
  verified?: Map<string, string>,
): Promise<string | null> {
  for (const credential of [bearerValue(headers), cookieValue(headers, cookieName)]) {
    if (!credential) continue;
    const token = verified?.get(credential) ?? (await verifiedToken(credential, key));
    if (token) {
      verified?.set(credential, token);
      return token;
    }
  }
  return null;
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

/** The token inside `<token>.<signature>` when the signature is ours; otherwise `null`. */
async function verifiedToken(credential: string, key: CryptoKey): Promise<string | null> {
  const dot = credential.lastIndexOf(".");
  if (dot < 1) return null;
  const signature = credential.slice(dot + 1);
  if (signature.length !== SIGNATURE_LENGTH || !signature.endsWith("=")) return null;
  const token = credential.slice(0, dot);
  try {
    const bytes = Uint8Array.from(atob(signature), (char) => char.charCodeAt(0));
    return (await crypto.subtle.verify("HMAC", key, bytes, new TextEncoder().encode(token))) ? token : null;
  } catch {
    return null;
  }
}

function decode(value: string): string {
  try {
    return value.includes("%") ? decodeURIComponent(value) : value;
  } catch {
    return value;
  }
}
