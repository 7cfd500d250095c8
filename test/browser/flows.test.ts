/**
 * The account pages in Chromium, as a person uses them, against the Worker as
 * `npm run dev` starts it (with verification required, as deployed).
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_FLAGS, type Device, launchChromium, mailedLink, newDevice, PASSWORD, submit, uniqueEmail } from "./support";

const SAFARI_ON_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";

async function signIn(device: Device, email: string, password: string): Promise<void> {
  await device.page.goto("/sign-in");
  await device.page.fill("#email", email);
  await device.page.fill("#password", password);
  await submit(device.page, "button[type=submit]");
}

const heading = (device: Device) => device.page.textContent("h1");

describe("the account pages in Chromium", () => {
  let browser: Browser;
  let first: Device;
  let second: Device;
  const email = uniqueEmail("flows");
  let password = PASSWORD;

  beforeAll(async () => {
    browser = await launchChromium();
    first = await newDevice(browser);
  });

  afterAll(async () => {
    // Nothing the pages' policy refused, and no script error, on any device.
    expect([...(first?.refusals ?? []), ...(second?.refusals ?? [])]).toEqual([]);
    await browser?.close();
  });

  it("runs Debian's Chromium headless, with the flags and a fresh profile", async () => {
    const page = await browser.newPage();
    await page.goto("chrome://version");
    const commandLine = (await page.textContent("#command_line")) ?? "";
    await page.close();
    for (const flag of CHROMIUM_FLAGS) expect(commandLine).toContain(flag);
    expect(commandLine).toMatch(/--user-data-dir=\S*playwright\S*profile/);
  });

  it("signs up, opens the verification link from the outbox and sees the address verified", async () => {
    await first.page.goto("/sign-up");
    await first.page.fill("#name", "Ada Lovelace");
    await first.page.fill("#email", email);
    await first.page.fill("#password", password);
    await submit(first.page, "button[type=submit]");
    // Verification is required: no session yet, and a notice instead.
    expect(new URL(first.page.url()).pathname).toBe("/sign-in");
    expect(await first.page.textContent(".notice")).toContain("We sent you a link to verify your email address");
    await first.page.goto(await mailedLink(email, "verify-email"));
    expect(first.page.url()).toBe(`${new URL(first.page.url()).origin}/verify-email?verified=1`);
    expect(await heading(first)).toBe("Your email address is verified");
  });

  it("signs in, and the account page shows the verified address and this device", async () => {
    await first.page.click("text=Sign in");
    await first.page.fill("#email", email);
    await first.page.fill("#password", password);
    await submit(first.page, "button[type=submit]");
    expect(new URL(first.page.url()).pathname).toBe("/account");
    expect(await heading(first)).toBe("Your account");
    expect(await first.page.textContent("section[aria-labelledby=profile-title]")).toContain("Verified");
    const sessions = first.page.locator("ul.sessions > li");
    expect(await sessions.count()).toBe(1);
    expect(await sessions.first().textContent()).toContain("This device");
    expect(await sessions.first().textContent()).toContain(first.ip);
    // The page script showed the times in the reader's zone.
    expect(await first.page.textContent("time[data-local]")).not.toMatch(/UTC$/);
  });

  it("a second device signs in as the same person, and the first sees two sessions", async () => {
    second = await newDevice(browser, { userAgent: SAFARI_ON_MAC });
    await signIn(second, email, password);
    expect(new URL(second.page.url()).pathname).toBe("/account");
    await first.page.reload();
    const sessions = first.page.locator("ul.sessions > li");
    expect(await sessions.count()).toBe(2);
    const other = sessions.filter({ hasText: /Safari \d+ on macOS/ });
    expect(await other.textContent()).toContain(second.ip);
    expect(await other.textContent()).not.toContain("This device");
  });

  it("ends the other session, which is signed out on its next page load", async () => {
    await submit(first.page, `button[aria-label*="${second.ip}"]`);
    expect(await first.page.textContent(".notice")).toContain("The session was ended");
    expect(await first.page.locator("ul.sessions > li").count()).toBe(1);
    await second.page.reload();
    expect(new URL(second.page.url()).pathname).toBe("/sign-in");
  });

  it("changes the password", async () => {
    await first.page.fill("#currentPassword", password);
    password = "a new and better passphrase";
    await first.page.fill("#newPassword", password);
    await submit(first.page, "section[aria-labelledby=password-title] button[type=submit]");
    expect(await first.page.textContent(".notice")).toBe("Your password was changed.");
    // The account's recent activity, newest first (events are written after each response).
    await expect
      .poll(
        async () => {
          await first.page.reload();
          return first.page.locator("ul.events > li strong").allTextContents();
        },
        { timeout: 10_000 },
      )
      .toEqual(expect.arrayContaining(["Password changed", "Session ended", "Sign-in from a new device", "Account created"]));
    expect((await first.page.locator("ul.events > li strong").allTextContents())[0]).toBe("Password changed");
  });

  it("signs out", async () => {
    await submit(first.page, "form[action='/account/sign-out'] button");
    expect(new URL(first.page.url()).pathname).toBe("/sign-in");
    expect(await first.page.textContent(".notice")).toBe("You are signed out.");
    await first.page.goto("/account");
    expect(new URL(first.page.url()).pathname).toBe("/sign-in");
    await signIn(first, email, password);
    expect(new URL(first.page.url()).pathname).toBe("/account");
    await submit(first.page, "form[action='/account/sign-out'] button");
  });

  it("forgets the password and sets a new one through the mailed link", async () => {
    await first.page.click("text=Forgot your password?");
    await first.page.fill("#email", email);
    await submit(first.page, "button[type=submit]");
    expect(await first.page.textContent(".notice")).toContain("we sent it a link");
    const opened = await first.page.goto(await mailedLink(email, "reset-password"));
    expect(new URL(first.page.url()).pathname).toBe("/reset-password");
    expect(new URL(first.page.url()).searchParams.get("token")).toBeTruthy();
    expect(await opened?.headerValue("referrer-policy")).toBe("no-referrer");
    password = "reset through the mailed link";
    await first.page.fill("#newPassword", password);
    // The form posts from a no-referrer page: Chromium sends `Origin: null`, which Better Auth reads with Sec-Fetch-Site.
    await submit(first.page, "button[type=submit]");
    expect(await first.page.textContent(".notice")).toContain("Your password was changed");
    await signIn(first, email, password);
    expect(new URL(first.page.url()).pathname).toBe("/account");
  });

  it("signs in with the keyboard alone", async () => {
    const device = await newDevice(browser);
    await device.page.goto("/sign-in");
    await device.page.keyboard.press("Tab");
    expect(await device.page.evaluate("document.activeElement.id")).toBe("email");
    await device.page.keyboard.type(email);
    await device.page.keyboard.press("Tab");
    expect(await device.page.evaluate("document.activeElement.id")).toBe("password");
    await device.page.keyboard.type(password);
    await device.page.keyboard.press("Tab");
    expect(await device.page.evaluate("document.activeElement.textContent")).toBe("Sign in");
    // The focused button shows it: a solid outline, not the browser's none.
    expect(await device.page.evaluate("getComputedStyle(document.activeElement).outlineStyle")).toBe("solid");
    await Promise.all([device.page.waitForNavigation(), device.page.keyboard.press("Enter")]);
    expect(new URL(device.page.url()).pathname).toBe("/account");
    expect(device.refusals).toEqual([]);
  });
});
