import { describe, expect, it } from "vitest";
import { call, getSession, signUp } from "./helpers";

describe("smoke", () => {
  it("health", async () => {
    const r = await call("/health");
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ ok: true });
  });
  it("sign-up and get-session", async () => {
    const client = await signUp();
    console.log(client);
    const { body } = await getSession({ cookie: client.cookie });
    expect(body?.user.email).toBe(client.email);
    const b = await getSession({ bearer: client.bearer });
    expect(b.body?.user.email).toBe(client.email);
  });
});
