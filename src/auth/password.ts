/**
 * Password hashing: scrypt N=2^15, r=8, p=3, an equivalent of OWASP's
 * minimum that fits a Worker's memory. Hashes name their parameters, so they
 * can be raised later; Better Auth's own format still verifies.
 * docs/performance.md, "Password hashing".
 */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { verifyPassword as verifyBetterAuthHash } from "better-auth/crypto";

/** The parameters new hashes use. */
const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 3 } as const;

const KEY_LENGTH = 64;
const SALT_BYTES = 16;
/** Stored hashes are trusted only within these bounds (a hash is data, not code). */
const LIMITS = { N: 2 ** 17, r: 16, p: 16 };

function derive(password: string, salt: string, params: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize("NFKC"), salt, KEY_LENGTH, { ...params, maxmem: 256 * params.N * params.r }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/**
 * Hashes a password for storage.
 *
 * @example
 * ```ts
 * const stored = await hashPassword("correct horse battery staple"); // "scrypt$32768$8$3$…$…"
 * ```
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES).toString("hex");
  const key = await derive(password, salt, SCRYPT_PARAMS);
  const { N, r, p } = SCRYPT_PARAMS;
  return `scrypt$${N}$${r}$${p}$${salt}$${key.toString("hex")}`;
}

/** Checks a password against a stored hash, in constant time. */
export async function verifyPassword({ hash, password }: { hash: string; password: string }): Promise<boolean> {
  if (!hash.startsWith("scrypt$")) return verifyBetterAuthHash({ hash, password });
  const [, n, r, p, salt, expected] = hash.split("$");
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  const sane =
    Number.isInteger(params.N) &&
    params.N > 1 &&
    params.N <= LIMITS.N &&
    (params.N & (params.N - 1)) === 0 &&
    Number.isInteger(params.r) &&
    params.r >= 1 &&
    params.r <= LIMITS.r &&
    Number.isInteger(params.p) &&
    params.p >= 1 &&
    params.p <= LIMITS.p;
  if (!sane || !salt || !expected || !/^[0-9a-f]+$/.test(expected)) throw new Error("Invalid password hash");
  const key = await derive(password, salt, params);
  const stored = Buffer.from(expected, "hex");
  return stored.length === key.length && timingSafeEqual(stored, key);
}
