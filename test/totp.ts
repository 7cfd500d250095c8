/**
 * RFC 6238 TOTP (HMAC-SHA-1, 6 digits, 30-second steps), written for the
 * tests apart from the Worker's code, and checked against the RFC's own
 * test vectors (test/second-factors.test.ts).
 */

/** The TOTP code of `secret` (its bytes) at `time` (ms), `digits` long. */
export async function totp(secret: Uint8Array | string, time: number, digits = 6): Promise<string> {
  const bytes = typeof secret === "string" ? new TextEncoder().encode(secret) : secret;
  const key = await crypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  const counter = Math.floor(time / 30_000);
  const message = new Uint8Array(8);
  // Big-endian 64-bit counter; the high word is zero until the year 2106.
  new DataView(message.buffer).setUint32(0, Math.floor(counter / 2 ** 32));
  new DataView(message.buffer).setUint32(4, counter >>> 0);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, message));
  const offset = mac[19]! & 0xf;
  const value = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return String(value % 10 ** digits).padStart(digits, "0");
}

/** The secret of an `otpauth://totp/…?secret=<base32>` URI, decoded (RFC 4648 base32). */
export function secretOf(uri: string): Uint8Array {
  const encoded = new URL(uri).searchParams.get("secret") ?? "";
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of encoded.replace(/=+$/, "").toUpperCase()) {
    buffer = (buffer << 5) | alphabet.indexOf(char);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((buffer >> bits) & 0xff);
    }
  }
  return new Uint8Array(out);
}
