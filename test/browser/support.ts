/**
 * What the browser tests share: Debian's Chromium driven by playwright-core,
 * a browser context per device (each with its own client address), the mail
 * outbox read from the Worker's console, axe-core, screenshots, and a watch
 * for anything the Content-Security-Policy refused.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type axe from "axe-core";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { expect, inject } from "vitest";

export const BASE = inject("workerURL");
/**
 * The same Worker by name: WebAuthn takes a domain as the relying party's ID, never an
 * IP address, and `localhost` is a secure context over plain http as 127.0.0.1 is.
 */
export const LOCALHOST_BASE = BASE.replace("//127.0.0.1:", "//localhost:");
export const PASSWORD = "correct horse battery staple";

/** Debian's `chromium` package; `.ci/run` installs it. */
export const CHROMIUM = "/usr/bin/chromium";
/** Headless and quiet: no GPU, no QUIC, no first-run, background, component-update or sync traffic. */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Chromium with a fresh profile: playwright-core gives every launch its own new `--user-data-dir`. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
}

let counter = 0;

/** A unique address for a new user. */
export function uniqueEmail(label = "person"): string {
  counter += 1;
  return `${label}-${Date.now().toString(36)}-${counter}@example.com`;
}

/** A client address from the benchmarking range, so rate limits count each device apart. */
function randomIp(): string {
  const [a = 0, b = 0] = crypto.getRandomValues(new Uint8Array(2));
  return `198.18.${a}.${b}`;
}

export interface Device {
  context: BrowserContext;
  page: Page;
  ip: string;
  /** What the page's Content-Security-Policy refused, and errors its scripts threw. */
  refusals: string[];
}

/**
 * A new device: its own context (cookies), client address (`cf-connecting-ip`,
 * which `wrangler dev` keeps when a request has one) and, optionally, user agent.
 */
export async function newDevice(
  browser: Browser,
  options: { userAgent?: string; colorScheme?: "light" | "dark"; baseURL?: string } = {},
): Promise<Device> {
  const ip = randomIp();
  const context = await browser.newContext({
    baseURL: options.baseURL ?? BASE,
    viewport: { width: 960, height: 900 },
    colorScheme: options.colorScheme ?? "light",
    userAgent: options.userAgent,
    extraHTTPHeaders: { "cf-connecting-ip": ip },
  });
  const page = await context.newPage();
  const refusals: string[] = [];
  page.on("console", (message) => {
    if (/Content[ -]Security[ -]Policy|Refused to/i.test(message.text())) refusals.push(message.text());
  });
  page.on("pageerror", (error) => refusals.push(String(error)));
  return { context, page, ip, refusals };
}

/** Submits the form that `button` (a selector) belongs to, and waits for the next page. */
export async function submit(page: Page, button: string): Promise<void> {
  await Promise.all([page.waitForNavigation(), page.click(button)]);
}

/** The newest link the outbox mailed to `email` (`kind`: "verify-email" or "reset-password"), waiting for it. */
export async function mailedLink(email: string, kind: "verify-email" | "reset-password"): Promise<string> {
  const pattern = new RegExp(`\\[outbox\\] ${kind} for ${email.replace(/[.+]/g, "\\$&")}: (\\S+)`, "g");
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const links = [...readFileSync(inject("workerLog"), "utf8").matchAll(pattern)].map((match) => match[1] ?? "");
    if (links.length > 0) return links.at(-1) as string;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no ${kind} mail for ${email}`);
}

export interface AxeSummary {
  page: string;
  scheme: string;
  violations: { id: string; impact: string | null; nodes: number }[];
}

const summaries: AxeSummary[] = [];
const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/**
 * Runs axe-core in the page (evaluated over the DevTools protocol: the page's
 * policy lets no injected script run) and fails on a serious or critical
 * violation. Every result goes to artifacts/browser/axe.json.
 */
export async function expectAccessible(page: Page, name: string): Promise<AxeSummary> {
  await page.evaluate(AXE_SOURCE);
  const results = (await page.evaluate('axe.run(document, { resultTypes: ["violations"] })')) as axe.AxeResults;
  const scheme = (await page.evaluate('matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light"')) as string;
  const summary: AxeSummary = {
    page: name,
    scheme,
    violations: results.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact ?? null,
      nodes: violation.nodes.length,
    })),
  };
  summaries.push(summary);
  writeFileSync(path.join(inject("artifacts"), "axe.json"), JSON.stringify(summaries, null, 2));
  const severe = results.violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical");
  expect(
    severe.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(" ")).join(", ")}`),
    `${name} (${scheme})`,
  ).toEqual([]);
  return summary;
}

/** A full-page screenshot in artifacts/browser/screenshots/. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(inject("artifacts"), "screenshots", `${name}.png`), fullPage: true });
}
