// Types of sessions.mjs, for the read counts (bench/counts), which TypeScript checks.

export declare const SESSIONS_PER_USER: number;

export interface SeededUser {
  id: string;
  name: string;
  email: string;
}

export interface SeededSession {
  id: string;
  token: string;
  userId: string;
  ipAddress: string;
  userAgent: string;
  /** `<token>.<signature>`: the bearer token, and the cookie's value before URL encoding. */
  signed: string;
  kv: { key: string; value: string; metadata: { exp: number }; expirationTtl: number };
}

export interface Seed {
  users: SeededUser[];
  sessions: SeededSession[];
  now: number;
  expiresAt: number;
}

export declare function randomId(length?: number): string;
export declare function signer(secret: string): Promise<(token: string) => Promise<string>>;
export declare function makeSessions(options: {
  count: number;
  secret: string;
  now?: number;
  expiresInSeconds?: number;
  prefix?: string;
}): Promise<Seed>;
export declare function seedSql(seed: Seed, rowsPerStatement?: number): string[];
export declare function credentialHeaders(session: SeededSession, credential: "cookie" | "bearer", cookieName: string): Record<string, string>;
