import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ageSession, PASSWORD, signUp } from "../helpers";
import { registerPasskey } from "../passkey-helpers";
import { Jar } from "../second-factors-helpers";
import { PageVisitor, textOf } from "./visitor";

/** A user signed in on the pages. */
async function signedInVisitor() {
  const user = await signUp();
  const visitor = new PageVisitor();
  await visitor.post("/sign-in", { email: user.email, password: PASSWORD });
  return { user, visitor };
}

/** The visitor's cookies in a jar, for the API calls a page script makes. */
function jarOf(visitor: PageVisitor): Jar {
  const jar = new Jar();
  for (const pair of visitor.cookie.split(/;\s*/).filter(Boolean))
    jar.cookies.set(pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1));
  return jar;
}

async function passkeyIds(userId: string): Promise<string[]> {
  const { results } = await env.DB.prepare("SELECT id FROM passkey WHERE user_id = ?").bind(userId).all<{ id: string }>();
  return results.map((row) => row.id);
}

describe("passkeys on the account page", () => {
  it("lists them by name with the date added, and removes one with a form", async () => {
    const { user, visitor } = await signedInVisitor();
    const page = await (await visitor.get("/account")).text();
    expect(page).toContain('<form class="passkey-add" data-passkey="register" hidden="">');
    expect(await textOf(new Response(page))).toContain("You have no passkeys.");

    await registerPasskey(jarOf(visitor), undefined, "Work laptop");
    const [id] = await passkeyIds(user.userId);
    const listed = await textOf(await visitor.get("/account"));
    expect(listed).toMatch(/Passkeys .* Work laptop Added \d{4}-\d\d-\d\d \d\d:\d\d UTC Remove/);

    const removed = await visitor.post("/account/passkeys/remove", { id: id ?? "" });
    expect(removed.status).toBe(303);
    expect(removed.headers.get("location")).toBe("/account?notice=passkey-removed#passkeys");
    expect(await passkeyIds(user.userId)).toEqual([]);
    expect(await textOf(await visitor.get("/account?notice=passkey-removed"))).toContain("The passkey was removed");
  });

  it("shows another user's passkey as not found, in the section, and keeps it", async () => {
    const owner = await signedInVisitor();
    await registerPasskey(jarOf(owner.visitor));
    const [id] = await passkeyIds(owner.user.userId);
    const { visitor } = await signedInVisitor();
    const answer = await visitor.post("/account/passkeys/remove", { id: id ?? "" });
    expect(answer.status).toBe(404);
    const html = await answer.text();
    expect(html).toMatch(
      /<section class="card" id="passkeys"[^>]*><h2[^>]*>Passkeys<\/h2><div class="alert" id="form-error" role="alert" tabindex="-1" data-code="PASSKEY_NOT_FOUND">/,
    );
    expect(await passkeyIds(owner.user.userId)).toEqual([id]);
  });

  it("asks for the password before adding one when the session signed in too long ago", async () => {
    const { visitor } = await signedInVisitor();
    await ageSession(visitor.sessionToken, 16 * 60_000);
    const page = await (await visitor.get("/account")).text();
    expect(page).not.toContain('data-passkey="register"');
    expect(page).toContain("To add a passkey, confirm your password first.");

    const wrong = await visitor.post("/account/reauthenticate", { password: "not the password", next: "passkey" });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toMatch(/id="passkeys"[^>]*><h2[^>]*>Passkeys<\/h2><div class="alert"[^>]*data-code="INVALID_PASSWORD"/);

    const confirmed = await visitor.post("/account/reauthenticate", { password: PASSWORD, next: "passkey" });
    expect(confirmed.headers.get("location")).toBe("/account?notice=passkey-ready#passkeys");
    const ready = await (await visitor.get("/account?notice=passkey-ready")).text();
    expect(ready).toContain('data-passkey="register"');
    expect(ready).toContain("add your passkey now");
  });
});

describe("the sign-in page", () => {
  it("offers a passkey, hidden until the script finds WebAuthn", async () => {
    const html = await (await new PageVisitor().get("/sign-in")).text();
    expect(html).toMatch(
      /<div class="card" hidden="">[\s\S]*<button type="button" class="secondary" data-passkey="sign-in">Sign in with a passkey<\/button>/,
    );
    expect(html).toContain("navigator.credentials.get");
  });
});
