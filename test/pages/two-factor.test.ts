import { afterEach, describe, expect, it, vi } from "vitest";
import { PASSWORD, signUp } from "../helpers";
import { secretOf, totp } from "../totp";
import { PageVisitor, textOf } from "./visitor";

afterEach(() => {
  vi.useRealTimers();
});

/** A user signed in on the pages, who turns TOTP on from the account page. */
async function setUpOnAccountPage() {
  const user = await signUp();
  const visitor = new PageVisitor();
  await visitor.post("/sign-in", { email: user.email, password: PASSWORD });
  const setup = await visitor.post("/account/two-factor/enable", { password: PASSWORD });
  const html = await setup.text();
  const secret = html.match(/Or type the secret: <code>([A-Z2-7]+)<\/code>/)?.[1] ?? "";
  const backupCodes = [...html.matchAll(/<li><code>([A-Za-z0-9]{5}-[A-Za-z0-9]{5})<\/code><\/li>/g)].map((match) => match[1]!);
  return { user, visitor, setup, html, secret: secretOf(`otpauth://totp/x?secret=${secret}`), backupCodes };
}

describe("second factors on the pages", () => {
  it("sets TOTP up with a QR code drawn on the server as SVG, shows the backup codes once, and turns it on with a code", async () => {
    const { visitor, setup, html, secret, backupCodes } = await setUpOnAccountPage();
    expect(setup.status).toBe(200);
    expect(html).toMatch(/<div class="qr" role="img" aria-label="[^"]+"><svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*>/);
    expect(html).not.toMatch(/<img[^>]+src="http/);
    expect(secret.length).toBeGreaterThanOrEqual(16);
    expect(backupCodes).toHaveLength(10);

    const on = await visitor.post("/account/two-factor/confirm", { code: await totp(secret, Date.now()) });
    expect(on.headers.get("location")).toBe("/account?notice=two-factor-on");
    const account = await (await visitor.get("/account?notice=two-factor-on")).text();
    expect(account).toContain("Two-factor authentication is on");
    expect(account).not.toContain(backupCodes[0]); // shown once
  });

  it("asks for the code after the password, and signs in with it or a backup code", async () => {
    const { user, visitor, secret, backupCodes } = await setUpOnAccountPage();
    await visitor.post("/account/two-factor/confirm", { code: await totp(secret, Date.now()) });

    const browser = new PageVisitor();
    const first = await browser.post("/sign-in", { email: user.email, password: PASSWORD, callbackURL: "/account" });
    expect(first.headers.get("location")).toBe("/sign-in/two-factor?callbackURL=%2Faccount");
    expect(browser.sessionToken).toBe("");
    expect((await browser.get("/account")).status).toBe(303);

    const form = await textOf(await browser.get("/sign-in/two-factor?callbackURL=%2Faccount"));
    expect(form).toContain("Code from your authenticator app");
    expect(form).toContain("Trust this device for 30 days");
    const wrong = await browser.post("/sign-in/two-factor", { code: "000000", method: "totp", callbackURL: "/account" });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('data-code="INVALID_CODE"');
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 60_000);
    const done = await browser.post("/sign-in/two-factor", {
      code: await totp(secret, Date.now()),
      method: "totp",
      callbackURL: "/account",
    });
    expect(done.headers.get("location")).toBe("https://auth.example.com/account");
    expect((await browser.get("/account")).status).toBe(200);

    const other = new PageVisitor();
    await other.post("/sign-in", { email: user.email, password: PASSWORD });
    const backup = await other.post("/sign-in/two-factor", { code: backupCodes[0]!, method: "backup" });
    expect(backup.headers.get("location")).toBe("/account");
  });

  it("turns it off with the password", async () => {
    const { user, visitor, secret } = await setUpOnAccountPage();
    await visitor.post("/account/two-factor/confirm", { code: await totp(secret, Date.now()) });
    const refused = await visitor.post("/account/two-factor/disable", { password: "not the password" });
    expect(refused.status).toBe(400);
    const off = await visitor.post("/account/two-factor/disable", { password: PASSWORD });
    expect(off.headers.get("location")).toBe("/account?notice=two-factor-off");
    const browser = new PageVisitor();
    expect((await browser.post("/sign-in", { email: user.email, password: PASSWORD })).headers.get("location")).toBe("/account");
  });
});
