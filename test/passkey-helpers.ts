/**
 * A software authenticator (WebAuthn level 2, ES256, "none" attestation),
 * enough to register passkeys and sign in with them as a browser would.
 */
import { expect } from "vitest";
import { call, ORIGIN, PASSWORD, randomIp, signUp } from "./helpers";
import { Jar, passwordStep } from "./second-factors-helpers";

const encoder = new TextEncoder();

export function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** CBOR (RFC 8949) for what WebAuthn needs: integers, byte and text strings, maps. */
function cbor(value: number | string | Uint8Array | Map<number | string, unknown>): Uint8Array {
  const head = (major: number, length: number) => {
    if (length < 24) return Uint8Array.of((major << 5) | length);
    if (length < 256) return Uint8Array.of((major << 5) | 24, length);
    return Uint8Array.of((major << 5) | 25, length >> 8, length & 0xff);
  };
  if (typeof value === "number") return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === "string") return concat(head(3, encoder.encode(value).length), encoder.encode(value));
  if (value instanceof Uint8Array) return concat(head(2, value.length), value);
  const entries = [...value].flatMap(([key, item]) => [cbor(key), cbor(item as Parameters<typeof cbor>[0])]);
  return concat(head(5, value.size), ...entries);
}

/** An ECDSA signature as WebAuthn wants it: DER, not WebCrypto's r‖s. */
function der(raw: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array) => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    const trimmed = bytes.slice(start);
    const body = (trimmed[0] ?? 0) & 0x80 ? concat(Uint8Array.of(0), trimmed) : trimmed;
    return concat(Uint8Array.of(0x02, body.length), body);
  };
  const sequence = concat(integer(raw.slice(0, 32)), integer(raw.slice(32)));
  return concat(Uint8Array.of(0x30, sequence.length), sequence);
}

const sha256 = async (bytes: Uint8Array) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

/** One authenticator holding one credential, made at registration. */
export class SoftAuthenticator {
  readonly credentialId = crypto.getRandomValues(new Uint8Array(16));
  private keys: CryptoKeyPair | undefined;
  private counter = 0;
  private userHandle: Uint8Array | undefined;

  /** `userVerified: false` acts as a security key without a PIN. */
  constructor(private readonly options: { origin?: string; rpId?: string; userVerified?: boolean } = {}) {}

  get id(): string {
    return base64url(this.credentialId);
  }

  private flags(extra = 0) {
    return FLAG_UP | (this.options.userVerified === false ? 0 : FLAG_UV) | extra;
  }

  private clientData(type: string, challenge: string) {
    return encoder.encode(JSON.stringify({ type, challenge, origin: this.options.origin ?? ORIGIN, crossOrigin: false }));
  }

  /** The answer to `navigator.credentials.create()` for `options` (generate-register-options). */
  async register(options: { challenge: string; rp: { id?: string }; user: { id: string } }) {
    this.keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const jwk = (await crypto.subtle.exportKey("jwk", this.keys.publicKey)) as JsonWebKey;
    const fromB64 = (text: string) => Uint8Array.from(atob(text.replaceAll("-", "+").replaceAll("_", "/")), (c) => c.charCodeAt(0));
    this.userHandle = fromB64(options.user.id);
    const coseKey = new Map<number, unknown>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, fromB64(jwk.x ?? "")],
      [-3, fromB64(jwk.y ?? "")],
    ]);
    const rpId = this.options.rpId ?? options.rp.id ?? new URL(ORIGIN).hostname;
    const authData = concat(
      await sha256(encoder.encode(rpId)),
      Uint8Array.of(this.flags(FLAG_AT)),
      new Uint8Array(4),
      new Uint8Array(16),
      Uint8Array.of(0, this.credentialId.length),
      this.credentialId,
      cbor(coseKey),
    );
    const attestationObject = cbor(
      new Map<string, unknown>([
        ["fmt", "none"],
        ["attStmt", new Map()],
        ["authData", authData],
      ]),
    );
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key",
      response: {
        clientDataJSON: base64url(this.clientData("webauthn.create", options.challenge)),
        attestationObject: base64url(attestationObject),
        transports: ["internal"],
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }

  /** The answer to `navigator.credentials.get()` for `options` (generate-authenticate-options). */
  async assert(options: { challenge: string; rpId?: string }) {
    if (!this.keys) throw new Error("register first");
    this.counter += 1;
    const rpId = this.options.rpId ?? options.rpId ?? new URL(ORIGIN).hostname;
    const authData = concat(await sha256(encoder.encode(rpId)), Uint8Array.of(this.flags()), Uint8Array.of(0, 0, 0, this.counter));
    const clientDataJSON = this.clientData("webauthn.get", options.challenge);
    const signed = concat(authData, await sha256(clientDataJSON));
    const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, this.keys.privateKey, signed));
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key",
      response: {
        clientDataJSON: base64url(clientDataJSON),
        authenticatorData: base64url(authData),
        signature: base64url(der(raw)),
        userHandle: this.userHandle ? base64url(this.userHandle) : undefined,
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }
}

/** A GET from the page on this origin, with the jar's cookies; answers go into the jar. */
export async function get(jar: Jar, path: string, ip = randomIp()): Promise<Response> {
  const headers: Record<string, string> = { origin: ORIGIN };
  if (jar.cookies.size > 0) headers.cookie = jar.header;
  return jar.take(await call(path, { headers, ip }));
}

/** A POST from the page on this origin with the jar's cookies, from `ip`. */
export async function postFrom(jar: Jar, path: string, json: unknown, ip = randomIp()): Promise<Response> {
  const headers: Record<string, string> = { origin: ORIGIN };
  if (jar.cookies.size > 0) headers.cookie = jar.header;
  return jar.take(await call(path, { method: "POST", json, headers, ip }));
}

/** A browser signed in with the password (a fresh account): its jar. */
export async function signedInBrowser() {
  const client = await signUp();
  const jar = new Jar();
  expect((await passwordStep(jar, client.email, PASSWORD)).status).toBe(200);
  return { client, jar };
}

/** Registers a passkey on the signed-in `jar`: options, then the authenticator's answer. */
export async function registerPasskey(jar: Jar, authenticator = new SoftAuthenticator(), name = "Laptop") {
  const options = await get(jar, "/api/auth/passkey/generate-register-options");
  expect(options.status).toBe(200);
  const response = await authenticator.register(await options.json());
  const verified = await postFrom(jar, "/api/auth/passkey/verify-registration", { response, name });
  return { authenticator, verified };
}

/** Signs in with `authenticator` on a fresh jar (or `jar`): options, then the assertion. */
export async function passkeySignIn(authenticator: SoftAuthenticator, jar = new Jar(), ip = randomIp()) {
  const options = await get(jar, "/api/auth/passkey/generate-authenticate-options", ip);
  expect(options.status).toBe(200);
  const response = await authenticator.assert(await options.json());
  const answer = await postFrom(jar, "/api/auth/passkey/verify-authentication", { response }, ip);
  return { jar, answer };
}
