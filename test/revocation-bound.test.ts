import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { getRuntime } from "../src/runtime";
import { lookupSession } from "../src/sessions/lookup";
import { call, callIn, rawToken, remoteLocationFor, signUp } from "./helpers";

const BOUND_SECONDS = Number(env.SESSION_REVALIDATE_SECONDS);

afterEach(() => {
  vi.useRealTimers();
});

describe("revocation across locations", () => {
  it("a session revoked elsewhere cannot change anything or mint a JWT, even within the bound", async () => {
    const client = await signUp();
    const bearer = { authorization: `Bearer ${client.bearer}` };
    const remote = await remoteLocationFor(rawToken(client.bearer), client.userId);
    expect((await callIn(remote, "/api/me", { headers: bearer })).status).toBe(200);
    await call("/api/auth/sign-out", { method: "POST", headers: bearer, json: {} });

    // Session reads there may still pass within the bound...
    expect((await callIn(remote, "/api/me", { headers: bearer })).status).toBe(200);
    // ...but nothing that acts on the session does.
    expect((await callIn(remote, "/api/auth/token", { headers: bearer })).status).toBe(401);
    expect((await callIn(remote, "/api/auth/update-user", { method: "POST", headers: bearer, json: { name: "Ghost" } })).status).toBe(401);
    expect((await callIn(remote, "/api/auth/list-sessions", { headers: bearer })).status).toBe(401);
  });

  it("a revoked session is refused elsewhere once the bound has passed, and at once by a fresh check", async () => {
    const client = await signUp();
    const bearer = { authorization: `Bearer ${client.bearer}` };
    const remote = await remoteLocationFor(rawToken(client.bearer), client.userId);
    expect((await callIn(remote, "/api/me", { headers: bearer })).status).toBe(200);

    // Revoked where the user is: refused there at once.
    const signOut = await call("/api/auth/sign-out", { method: "POST", headers: bearer, json: {} });
    expect(signOut.status).toBe(200);
    expect((await call("/api/me", { headers: bearer })).status).toBe(401);

    // The other location still reads its cached copy and trusts its recent confirmation...
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    vi.setSystemTime(Date.now() + (BOUND_SECONDS - 1) * 1000);
    expect((await callIn(remote, "/api/me", { headers: bearer })).status).toBe(200);
    // ...but a fresh check there ignores every cache,
    expect((await lookupSession(getRuntime(remote), new Headers(bearer), { fresh: true })).session).toBeNull();
    // and once the bound has passed it asks D1 again and refuses the session.
    vi.setSystemTime(Date.now() + 2_000);
    expect((await callIn(remote, "/api/me", { headers: bearer })).status).toBe(401);
  });

  it("revoke-sessions is bounded the same way", async () => {
    const client = await signUp();
    const bearer = { authorization: `Bearer ${client.bearer}` };
    const remote = await remoteLocationFor(rawToken(client.bearer), client.userId);
    expect((await callIn(remote, "/api/me", { headers: bearer })).status).toBe(200);
    await call("/api/auth/revoke-sessions", { method: "POST", headers: bearer, json: {} });
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    vi.setSystemTime(Date.now() + (BOUND_SECONDS - 1) * 1000);
    expect((await callIn(remote, "/api/me", { headers: bearer })).status).toBe(200);
    vi.setSystemTime(Date.now() + 2_000);
    expect((await callIn(remote, "/api/me", { headers: bearer })).status).toBe(401);
  });

  it("SESSION_REVALIDATE_SECONDS=0 confirms every check with D1", async () => {
    const client = await signUp();
    const bearer = { authorization: `Bearer ${client.bearer}` };
    const remote = { ...(await remoteLocationFor(rawToken(client.bearer), client.userId)), SESSION_REVALIDATE_SECONDS: "0" };
    expect((await callIn(remote, "/api/me", { headers: bearer })).status).toBe(200);
    await call("/api/auth/sign-out", { method: "POST", headers: bearer, json: {} });
    expect((await callIn(remote, "/api/me", { headers: bearer })).status).toBe(401);
  });

  it("a copy KV still serves after its session expired is refused", async () => {
    const client = await signUp();
    const bearer = { authorization: `Bearer ${client.bearer}` };
    const remote = { ...(await remoteLocationFor(rawToken(client.bearer), client.userId)), SESSION_REVALIDATE_SECONDS: "0" };
    await env.DB.prepare("UPDATE session SET expires_at = ? WHERE token = ?")
      .bind(Date.now() - 1, rawToken(client.bearer))
      .run();
    expect((await callIn(remote, "/api/me", { headers: bearer })).status).toBe(401);
  });
});
