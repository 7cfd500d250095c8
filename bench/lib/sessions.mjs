// Sessions made without signing in (scrypt would take hours for 100,000): the D1 rows, the
// KV copies and the signed credentials, as Better Auth writes and signs them. Plain
// JavaScript with WebCrypto only, so the bench (Node) and the read counts (workerd) share it.

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Sessions per seeded user: the default `SESSION_MAX_PER_USER`. */
export const SESSIONS_PER_USER = 10;

/** A random alphanumeric string, as Better Auth's `generateId(32)` makes session tokens and ids. */
export function randomId(length = 32) {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = "";
  for (const byte of bytes) out += ALPHANUMERIC[byte % ALPHANUMERIC.length];
  return out;
}

/** `<token>.<base64 HMAC-SHA-256 of the token>`, as Better Auth signs a session cookie and `set-auth-token`. */
export async function signer(secret) {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return async (token) => {
    const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(token)));
    return `${token}.${btoa(String.fromCharCode(...signature))}`;
  };
}

/**
 * `count` sessions, `SESSIONS_PER_USER` per user, created at `now` and valid for
 * `expiresInSeconds`: each with its D1 rows, its KV copy (`{ session, user }`, the real
 * expiry in metadata `{ exp }`, as src/sessions/kv-storage.ts writes it) and its signed
 * credential. `prefix` keeps emails unique across seeds.
 */
export async function makeSessions({ count, secret, now = Date.now(), expiresInSeconds = 604800, prefix = "seed" }) {
  const sign = await signer(secret);
  const iso = new Date(now).toISOString();
  const expiresAt = now + expiresInSeconds * 1000;
  const users = [];
  const sessions = [];
  for (let i = 0; i < count; i++) {
    if (i % SESSIONS_PER_USER === 0) {
      const n = users.length;
      users.push({
        id: randomId(),
        name: `Seeded ${n}`,
        email: `${prefix}-${n}-${randomId(8).toLowerCase()}@bench.example`,
      });
    }
    const user = users.at(-1);
    const token = randomId();
    const session = {
      id: randomId(),
      token,
      userId: user.id,
      ipAddress: `198.18.${(i >> 8) & 0xff}.${i & 0xff}`,
      userAgent: "bench",
    };
    const copy = {
      session: {
        expiresAt: new Date(expiresAt).toISOString(),
        token,
        createdAt: iso,
        updatedAt: iso,
        ipAddress: session.ipAddress,
        userAgent: session.userAgent,
        userId: user.id,
        impersonatedBy: null,
        deletedAt: null,
        id: session.id,
      },
      user: {
        name: user.name,
        email: user.email,
        emailVerified: true,
        image: null,
        createdAt: iso,
        updatedAt: iso,
        role: "user",
        banned: false,
        banReason: null,
        banExpires: null,
        id: user.id,
      },
    };
    sessions.push({
      ...session,
      signed: await sign(token),
      kv: { key: `ba:v1:${token}`, value: JSON.stringify(copy), metadata: { exp: expiresAt }, expirationTtl: expiresInSeconds },
    });
  }
  return { users, sessions, now, expiresAt };
}

const quote = (value) => (value === null ? "NULL" : typeof value === "number" ? String(value) : `'${String(value).replaceAll("'", "''")}'`);

/** INSERT statements for the seeded users and sessions, `rowsPerStatement` rows each. */
export function seedSql({ users, sessions, now, expiresAt }, rowsPerStatement = 500) {
  const statements = [];
  const chunked = (table, columns, rows) => {
    for (let i = 0; i < rows.length; i += rowsPerStatement) {
      const values = rows.slice(i, i + rowsPerStatement).map((row) => `(${row.map(quote).join(",")})`);
      statements.push(`INSERT INTO ${table} (${columns.join(",")}) VALUES ${values.join(",")};`);
    }
  };
  chunked(
    "user",
    ["id", "name", "email", "email_verified", "image", "created_at", "updated_at", "role", "banned"],
    users.map((u) => [u.id, u.name, u.email, 1, null, now, now, "user", 0]),
  );
  chunked(
    "session",
    ["id", "token", "expires_at", "ip_address", "user_agent", "user_id", "created_at", "updated_at"],
    sessions.map((s) => [s.id, s.token, expiresAt, s.ipAddress, s.userAgent, s.userId, now, now]),
  );
  return statements;
}

/** The request headers of a session check with `credential` (`cookie` or `bearer`). */
export function credentialHeaders(session, credential, cookieName) {
  return credential === "cookie"
    ? { cookie: `${cookieName}=${encodeURIComponent(session.signed)}` }
    : { authorization: `Bearer ${session.signed}` };
}
