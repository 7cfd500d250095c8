import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { callIn, editCachedSession, rawToken, signUp } from "./helpers";

/** D1 that counts the statements prepared on it. */
function countingD1() {
  const counter = { queries: 0 };
  const db = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "prepare") {
        return (query: string) => {
          counter.queries += 1;
          return target.prepare(query);
        };
      }
      if (prop === "batch") {
        return (statements: D1PreparedStatement[]) => {
          counter.queries += statements.length;
          return target.batch(statements);
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db, counter };
}

describe("the warm session check", () => {
  it("issues no D1 query for a cookie or a bearer token, on /api/me and get-session", async () => {
    const client = await signUp();
    const { db, counter } = countingD1();
    const isolate = { ...env, DB: db };
    const checks: [string, Record<string, string>][] = [
      ["/api/me", { cookie: client.cookie }],
      ["/api/me", { authorization: `Bearer ${client.bearer}` }],
      ["/api/auth/get-session", { authorization: `Bearer ${client.bearer}` }],
      ["/api/auth/session", { cookie: client.cookie }],
    ];
    // The first check in an isolate confirms the cached copy once.
    expect((await callIn(isolate, "/api/me", { headers: { cookie: client.cookie } })).status).toBe(200);
    expect(counter.queries).toBe(1);

    counter.queries = 0;
    for (let round = 0; round < 3; round++) {
      for (const [path, headers] of checks) {
        const response = await callIn(isolate, path, { headers });
        expect(response.status).toBe(200);
        expect(((await response.json()) as { user: { id: string } }).user.id).toBe(client.userId);
      }
    }
    expect(counter.queries).toBe(0);
  });

  it("still refuses a revoked session within the bound, and an expired one at once", async () => {
    const client = await signUp();
    const { db, counter } = countingD1();
    const isolate = { ...env, DB: db };
    const bearer = { authorization: `Bearer ${client.bearer}` };
    expect((await callIn(isolate, "/api/me", { headers: bearer })).status).toBe(200);

    // Signed out in this isolate: refused at once.
    await callIn(isolate, "/api/auth/sign-out", { method: "POST", headers: bearer, json: {} });
    expect((await callIn(isolate, "/api/me", { headers: bearer })).status).toBe(401);

    // Expired: the copy's own expiry is checked on every request, no query needed.
    const other = await signUp();
    const otherBearer = { authorization: `Bearer ${other.bearer}` };
    expect((await callIn(isolate, "/api/me", { headers: otherBearer })).status).toBe(200);
    await editCachedSession(rawToken(other.bearer), (copy) => {
      copy.session.expiresAt = new Date(Date.now() - 1_000).toISOString();
    });
    counter.queries = 0;
    expect((await callIn(isolate, "/api/me", { headers: otherBearer })).status).toBe(401);
  });

});

describe("the fast path", () => {
  it("answers exactly what Better Auth's getSession answers", async () => {
    const client = await signUp();
    const { lookupSession } = await import("../src/auth/validate");
    const { getAuth } = await import("../src/auth");
    for (const headers of [new Headers({ cookie: client.cookie }), new Headers({ authorization: `Bearer ${client.bearer}` })]) {
      const fast = await lookupSession(env, headers);
      const reference = await getAuth(env).api.getSession({ headers, query: { disableRefresh: true } });
      const { token: _token, ...session } = reference!.session;
      expect(fast.user).toEqual(reference!.user);
      expect(fast.session).toEqual(session);
    }
  });

  it("takes a URL-encoded bearer token, and falls back to the cookie when the bearer token is bad", async () => {
    const client = await signUp();
    const encoded = await callIn(env, "/api/me", { headers: { authorization: `Bearer ${encodeURIComponent(client.bearer)}` } });
    expect(encoded.status).toBe(200);
    const fallback = await callIn(env, "/api/me", { headers: { authorization: "Bearer not.valid", cookie: client.cookie } });
    expect(fallback.status).toBe(200);
  });
});
