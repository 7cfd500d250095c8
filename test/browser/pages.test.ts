/**
 * Every page, in light and in dark: an axe-core scan (no serious or critical
 * violation) and a screenshot in artifacts/browser/screenshots/; and the
 * small ones docs/ shows, in artifacts/browser/docs/ (copied to
 * docs/screenshots/ by hand when the pages change).
 */
import { mkdirSync, statSync } from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Device, expectAccessible, launchChromium, mailedLink, newDevice, PASSWORD, screenshot, submit, uniqueEmail } from "./support";

/** A page in a state; `signedIn` ones are seen by a device with a session, the others by one without. */
type State = { name: string; path?: string; act?: (device: Device) => Promise<void>; signedIn?: boolean };

const email = uniqueEmail("pages");
const IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1";
let resetLink = "";

/** Each page in each state worth seeing; `act` gets there when a URL alone does not. */
const STATES: State[] = [
  { name: "sign-up", path: "/sign-up" },
  { name: "sign-in", path: "/sign-in" },
  {
    name: "sign-in-error",
    act: async ({ page }) => {
      await page.goto("/sign-in?notice=signed-out");
      await page.fill("#email", email);
      await page.fill("#password", "not the password");
      await submit(page, "button[type=submit]");
    },
  },
  { name: "forgot-password", path: "/forgot-password" },
  { name: "forgot-password-sent", path: "/forgot-password?notice=sent" },
  { name: "reset-password", act: async ({ page }) => void (await page.goto(resetLink)) },
  { name: "reset-password-expired", path: "/reset-password?error=INVALID_TOKEN" },
  { name: "verify-email-verified", path: "/verify-email?verified=1" },
  { name: "verify-email-expired", path: "/verify-email?verified=1&error=TOKEN_EXPIRED" },
  { name: "verify-email-sent", path: "/verify-email?notice=sent" },
  { name: "account", path: "/account", signedIn: true },
  {
    name: "account-error",
    signedIn: true,
    act: async ({ page }) => {
      await page.goto("/account");
      await page.fill("#currentPassword", "not the password");
      await page.fill("#newPassword", "another long password");
      await submit(page, "section[aria-labelledby=password-title] button[type=submit]");
    },
  },
  { name: "api-reference", path: "/api/reference", signedIn: true },
];

describe("every page, light and dark", () => {
  let browser: Browser;
  const devices: Record<string, Device> = {};
  const guests: Record<string, Device> = {};

  beforeAll(async () => {
    browser = await launchChromium();
    for (const scheme of ["light", "dark"] as const) {
      // Two devices that tell apart in the sessions list.
      devices[scheme] = await newDevice(browser, { colorScheme: scheme, userAgent: scheme === "light" ? IPHONE : undefined });
      guests[scheme] = await newDevice(browser, { colorScheme: scheme });
    }
    const setup = devices.light as Device;
    // A verified person, signed in on both devices, with a reset link waiting.
    await setup.page.goto("/sign-up");
    await setup.page.fill("#name", "Grace Hopper");
    await setup.page.fill("#email", email);
    await setup.page.fill("#password", PASSWORD);
    await submit(setup.page, "button[type=submit]");
    await setup.page.goto(await mailedLink(email, "verify-email"));
    for (const device of Object.values(devices)) {
      await device.page.goto("/sign-in");
      await device.page.fill("#email", email);
      await device.page.fill("#password", PASSWORD);
      await submit(device.page, "button[type=submit]");
    }
    await setup.page.request.post("/forgot-password", { form: { email }, headers: { origin: new URL(setup.page.url()).origin } });
    resetLink = await mailedLink(email, "reset-password");
  });

  afterAll(async () => {
    expect([...Object.values(devices), ...Object.values(guests)].flatMap((device) => device.refusals)).toEqual([]);
    await browser?.close();
  });

  for (const state of STATES) {
    for (const scheme of ["light", "dark"] as const) {
      it(`${state.name} (${scheme}) has no serious or critical axe violation`, async () => {
        const device = (state.signedIn ? devices : guests)[scheme] as Device;
        if (state.act) await state.act(device);
        else await device.page.goto(state.path as string);
        await screenshot(device.page, `${state.name}-${scheme}`);
        await expectAccessible(device.page, state.name);
      });
    }
  }

  it("writes the screenshots docs/ shows", async () => {
    const docs = path.join(inject("artifacts"), "docs");
    mkdirSync(docs, { recursive: true });
    const origin = new URL((devices.light as Device).page.url()).origin;
    // The sign-in form, signed out, in light; the sessions of the account page in dark.
    const signIn = await browser.newPage({ viewport: { width: 480, height: 520 }, colorScheme: "light" });
    await signIn.goto(`${origin}/sign-in`);
    await signIn.screenshot({ path: path.join(docs, "sign-in-light.png") });
    await signIn.close();
    const account = await browser.newPage({ viewport: { width: 560, height: 900 }, colorScheme: "dark" });
    await account.context().addCookies(await (devices.dark as Device).context.cookies());
    await account.goto(`${origin}/account`);
    await account.locator("section[aria-labelledby=sessions-title]").screenshot({ path: path.join(docs, "sessions-dark.png") });
    await account.close();
    for (const name of ["sign-in-light.png", "sessions-dark.png"]) expect(statSync(path.join(docs, name)).size).toBeGreaterThan(1_000);
  });
});
