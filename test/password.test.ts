import { env } from "cloudflare:workers";
import { hashPassword as betterAuthHash } from "better-auth/crypto";
import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "../src/auth/password";
import { call, signIn, signUp, uniqueEmail } from "./helpers";

describe("password hashing", () => {
  it("does at least OWASP's minimum scrypt work within a Worker's memory, and names its parameters", async () => {
    const hash = await hashPassword("correct horse battery staple");
    const [, n, r, p, salt, key] = hash.split("$");
    const [N, R, P] = [Number(n), Number(r), Number(p)];
    // The OWASP Password Storage Cheat Sheet's scrypt minimum and the equivalents it lists.
    const owasp = [
      [2 ** 17, 8, 1],
      [2 ** 16, 8, 2],
      [2 ** 15, 8, 3],
      [2 ** 14, 8, 5],
      [2 ** 13, 8, 10],
    ];
    expect(owasp).toContainEqual([N, R, P]);
    // scrypt needs 128 * N * r bytes; a Worker's isolate has 128 MB in all.
    expect(128 * N * R).toBeLessThanOrEqual(32 * 1024 * 1024);
    expect([salt?.length, key?.length]).toEqual([32, 128]);
    expect(await verifyPassword({ hash, password: "correct horse battery staple" })).toBe(true);
    expect(await verifyPassword({ hash, password: "correct horse battery stapl" })).toBe(false);
  });

  it("salts every hash", async () => {
    expect(await hashPassword("same")).not.toBe(await hashPassword("same"));
  });

  it("still verifies hashes in Better Auth's own format", async () => {
    const legacy = await betterAuthHash("an older password");
    expect(await verifyPassword({ hash: legacy, password: "an older password" })).toBe(true);
    expect(await verifyPassword({ hash: legacy, password: "a wrong password" })).toBe(false);
  });

  it("refuses stored hashes with parameters out of bounds", async () => {
    await expect(verifyPassword({ hash: "scrypt$1048576$8$1$00$00", password: "x" })).rejects.toThrow();
    await expect(verifyPassword({ hash: "scrypt$1000$8$1$00$00", password: "x" })).rejects.toThrow();
  });

  it("stores the new format and signs in with it, and with an account hashed the old way", async () => {
    const client = await signUp();
    const row = await env.DB.prepare("SELECT password FROM account WHERE user_id = ?").bind(client.userId).first<{ password: string }>();
    expect(row?.password).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[0-9a-f]+\$[0-9a-f]+$/);
    expect((await signIn(client.email)).response.status).toBe(200);

    const old = await signUp({ email: uniqueEmail("legacy") });
    await env.DB.prepare("UPDATE account SET password = ? WHERE user_id = ?")
      .bind(await betterAuthHash("legacy passphrase 1"), old.userId)
      .run();
    const response = await call("/api/auth/sign-in/email", { method: "POST", json: { email: old.email, password: "legacy passphrase 1" } });
    expect(response.status).toBe(200);
  });
});
