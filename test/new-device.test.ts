import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_ALERTS_PER_HOUR } from "../src/activity/alerts";
import { readOutbox } from "../src/mail";
import { CHROME_MAC, type EventRow, eventsWhen, FIREFOX_WINDOWS, LISBON, NEW_YORK } from "./activity-helpers";
import { type CfProperties, PASSWORD, settle, signIn, signUp } from "./helpers";

const DAY = 86_400_000;
const alerts = (email: string) => readOutbox(email, "new-device");
const newDeviceEvents = (rows: EventRow[]) => rows.filter((row) => row.type === "new-device-sign-in");

/** Signs in from `userAgent` at `cf`, and waits until the sign-in's event is written. */
async function signInFrom(client: { email: string; userId: string }, userAgent: string, cf: CfProperties) {
  const before = (await eventsWhen(client.userId, () => true)).filter((row) => row.type === "sign-in").length;
  const { response } = await signIn(client.email, PASSWORD, { userAgent, cf });
  expect(response.status).toBe(200);
  await eventsWhen(client.userId, (rows) => rows.filter((row) => row.type === "sign-in").length > before);
}

describe("new-device alerts", () => {
  it("mails once for a sign-in from a new device and country, never for sign-up or a known device", async () => {
    const client = await signUp({ userAgent: CHROME_MAC, cf: LISBON });
    await signInFrom(client, CHROME_MAC.replace("Chrome/131", "Chrome/132"), LISBON);
    expect(await settle(() => alerts(client.email).length > 0, 300)).toBe(false);

    await signInFrom(client, FIREFOX_WINDOWS, NEW_YORK);
    expect(await settle(() => alerts(client.email).length > 0)).toBe(true);
    const [mail] = alerts(client.email);
    expect(mail?.subject).toBe("New sign-in to your account");
    expect(mail?.text).toContain("Device: Firefox 133 on Windows");
    expect(mail?.text).toContain("Where: New York, US");
    expect(mail?.text).toMatch(/reset your password/);
    // The links open the Worker's own pages.
    expect(mail?.text).toContain("Reset your password: https://auth.example.com/forgot-password");
    expect(mail?.text).toContain("Your sessions: https://auth.example.com/account");
    const rows = await eventsWhen(client.userId, (r) => newDeviceEvents(r).length === 1);
    expect(newDeviceEvents(rows)[0]).toMatchObject({ device: "Firefox 133 on Windows", country: "US", detail: '{"mailed":true}' });

    // The same device and country again: known now.
    await signInFrom(client, FIREFOX_WINDOWS, NEW_YORK);
    expect(await settle(() => alerts(client.email).length > 1, 300)).toBe(false);
  });

  it("treats the same device from another country as new", async () => {
    const client = await signUp({ userAgent: CHROME_MAC, cf: LISBON });
    await signInFrom(client, CHROME_MAC, NEW_YORK);
    expect(await settle(() => alerts(client.email).length === 1)).toBe(true);
  });

  it(`mails at most ${MAX_ALERTS_PER_HOUR} times an hour, and still records every new device`, async () => {
    const client = await signUp({ userAgent: CHROME_MAC, cf: LISBON });
    const countries = ["US", "FR", "DE", "JP", "BR"] as const;
    for (const country of countries) await signInFrom(client, FIREFOX_WINDOWS, { ...NEW_YORK, country });
    const rows = await eventsWhen(client.userId, (r) => newDeviceEvents(r).length === countries.length);
    expect(alerts(client.email)).toHaveLength(MAX_ALERTS_PER_HOUR);
    expect(newDeviceEvents(rows).map((row) => JSON.parse(row.detail ?? "{}").mailed)).toEqual([true, true, true, false, false]);
  });

  it(`forgets a device after NEW_DEVICE_WINDOW_DAYS, and has no alert for an account without history`, async () => {
    const client = await signUp({ userAgent: CHROME_MAC, cf: LISBON });
    await signInFrom(client, FIREFOX_WINDOWS, NEW_YORK);
    expect(await settle(() => alerts(client.email).length === 1)).toBe(true);
    // Everything more than 90 days ago, but the sign-up a day less.
    await env.DB.prepare("UPDATE auth_event SET created_at = created_at - ? WHERE user_id = ?")
      .bind(91 * DAY, client.userId)
      .run();
    await env.DB.prepare("UPDATE auth_event SET created_at = created_at + ? WHERE user_id = ? AND type = 'sign-up'")
      .bind(2 * DAY, client.userId)
      .run();
    await signInFrom(client, FIREFOX_WINDOWS, NEW_YORK);
    expect(await settle(() => alerts(client.email).length === 2)).toBe(true);

    const quiet = await signUp({ userAgent: CHROME_MAC, cf: LISBON });
    await eventsWhen(quiet.userId, (rows) => rows.length === 1);
    await env.DB.prepare("DELETE FROM auth_event WHERE user_id = ?").bind(quiet.userId).run();
    await signInFrom(quiet, FIREFOX_WINDOWS, NEW_YORK);
    expect(await settle(() => alerts(quiet.email).length > 0, 300)).toBe(false);
  });
});
