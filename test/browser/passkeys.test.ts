/**
 * Passkeys in Chromium, with a virtual authenticator (the DevTools
 * protocol's WebAuthn domain): add one on /account, sign out, sign in with
 * it, remove it. On http://localhost: an RP ID is a domain, never an IP.
 */
import type { Browser, CDPSession } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Device,
  expectAccessible,
  LOCALHOST_BASE,
  launchChromium,
  mailedLink,
  newDevice,
  PASSWORD,
  submit,
  uniqueEmail,
} from "./support";

describe("passkeys in Chromium", () => {
  let browser: Browser;
  let device: Device;
  let cdp: CDPSession;
  let authenticatorId: string;
  const email = uniqueEmail("passkey");

  beforeAll(async () => {
    browser = await launchChromium();
    device = await newDevice(browser, { baseURL: LOCALHOST_BASE });
    cdp = await device.context.newCDPSession(device.page);
    await cdp.send("WebAuthn.enable");
    ({ authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    }));
  });

  afterAll(async () => {
    expect(device?.refusals ?? []).toEqual([]);
    await browser?.close();
  });

  it("adds a passkey on the account page", async () => {
    const { page } = device;
    await page.goto("/sign-up");
    await page.fill("#name", "Grace Hopper");
    await page.fill("#email", email);
    await page.fill("#password", PASSWORD);
    await submit(page, "button[type=submit]");
    await page.goto(await mailedLink(email, "verify-email"));
    await page.goto("/sign-in");
    await page.fill("#email", email);
    await page.fill("#password", PASSWORD);
    await submit(page, "form[action='/sign-in'] button[type=submit]");
    expect(new URL(page.url()).pathname).toBe("/account");

    await page.fill("#passkey-name", "This laptop");
    await Promise.all([page.waitForURL("**/account?notice=passkey-added#passkeys"), page.click("text=Add a passkey")]);
    expect(await page.textContent(".notice")).toContain("Your passkey was added");
    const section = page.locator("#passkeys");
    expect(await section.locator("ul.passkeys > li").count()).toBe(1);
    expect(await section.locator("ul.passkeys h3").textContent()).toBe("This laptop");
    await expectAccessible(page, "account-passkey");

    const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]?.isResidentCredential).toBe(true);
    expect(credentials[0]?.rpId).toBe("localhost");
  });

  it("signs out, then signs in with the passkey alone", async () => {
    const { page } = device;
    await submit(page, "form[action='/account/sign-out'] button");
    expect(new URL(page.url()).pathname).toBe("/sign-in");
    await expectAccessible(page, "sign-in-passkey");
    await Promise.all([page.waitForURL("**/account"), page.click("text=Sign in with a passkey")]);
    expect(await page.textContent("h1")).toBe("Your account");
    expect(await page.textContent("section[aria-labelledby=activity-title]")).toContain("Signed in with a passkey");
  });

  it("removes the passkey, which then signs nobody in", async () => {
    const { page } = device;
    await submit(page, "#passkeys button:has-text('Remove')");
    expect(await page.textContent("#passkeys")).toContain("You have no passkeys.");
    expect(await page.textContent("section[aria-labelledby=activity-title]")).toContain("Passkey removed");

    await submit(page, "form[action='/account/sign-out'] button");
    // The authenticator still holds the credential; the Worker no longer knows it.
    await page.click("text=Sign in with a passkey");
    const alert = page.locator("#passkey-error");
    await alert.waitFor({ state: "visible" });
    expect(await alert.textContent()).toBe("Authentication failed");
    expect(new URL(page.url()).pathname).toBe("/sign-in");
  });
});
