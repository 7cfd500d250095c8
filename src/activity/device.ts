/**
 * A readable device label from a User-Agent, "Chrome 131 on macOS": the
 * browser (or HTTP client) with its major version, and the operating
 * system. A small parser of our own rather than a library: the label needs
 * a dozen patterns, not a device database (docs/activity.md, "Device labels").
 */

/** Browsers and clients, first match wins: order matters (Edge and Opera also say "Chrome", Chrome also says "Safari"). */
const BROWSERS: [name: string, pattern: RegExp][] = [
  ["Edge", /\bEdg(?:e|A|iOS)?\/(\d+)/],
  ["Opera", /\b(?:OPR|OPiOS)\/(\d+)/],
  ["Samsung Internet", /\bSamsungBrowser\/(\d+)/],
  ["Vivaldi", /\bVivaldi\/(\d+)/],
  ["Firefox", /\b(?:Firefox|FxiOS)\/(\d+)/],
  ["Headless Chrome", /\bHeadlessChrome\/(\d+)/],
  ["Chrome", /\b(?:Chrome|CriOS)\/(\d+)/],
  ["Safari", /\bVersion\/(\d+)[.\d]* (?:Mobile\/\S+ )?Safari\//],
  ["curl", /^curl\/(\d+)/],
  ["Node.js", /^node(?:-fetch)?(?:\/(\d+))?$/],
  ["Deno", /^Deno\/(\d+)/],
  ["Bun", /^Bun\/(\d+)/],
  ["okhttp", /^okhttp\/(\d+)/],
  ["Dart", /^Dart\/(\d+)/],
  ["Python Requests", /^python-requests\/(\d+)/],
];

/** Operating systems, first match wins (iPhone and Android UAs also say "like Mac OS X" and "Linux"). */
const SYSTEMS: [name: string, pattern: RegExp][] = [
  ["iOS", /\b(?:iPhone|iPod)\b/],
  ["iPadOS", /\biPad\b/],
  ["Android", /\bAndroid\b/],
  ["ChromeOS", /\bCrOS\b/],
  ["Windows", /\bWindows\b/],
  ["macOS", /\bMac(?:intosh| OS X)\b/],
  ["Linux", /\bLinux\b/],
];

/** Longest User-Agent read: real ones are a few hundred characters, and the patterns need no more. */
const MAX_USER_AGENT = 512;

/** Longest label: a product name taken from an unknown User-Agent is cut to fit. */
const MAX_LABEL = 64;

/**
 * The device label of a User-Agent: "Chrome 131 on macOS", "Safari 18 on
 * iOS", "curl 8"; an unknown client is named by its first product token
 * ("MyApp 2"); `null` without a User-Agent.
 *
 * @example
 * ```ts
 * deviceLabel("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36");
 * // "Chrome 131 on macOS"
 * ```
 */
export function deviceLabel(userAgent: string | null | undefined): string | null {
  const ua = userAgent?.trim().slice(0, MAX_USER_AGENT);
  if (!ua) return null;
  const browser = nameOf(ua);
  const system = SYSTEMS.find(([, pattern]) => pattern.test(ua))?.[0];
  const label = browser && system ? `${browser} on ${system}` : (browser ?? (system ? `Browser on ${system}` : "Unknown device"));
  return label.slice(0, MAX_LABEL);
}

/**
 * The label without version numbers, "Chrome on macOS": what a new-device
 * check compares, so a browser update is not a new device.
 *
 * @example
 * ```ts
 * deviceFamily("Chrome 131 on macOS"); // "Chrome on macOS"
 * ```
 */
export function deviceFamily(label: string | null | undefined): string {
  return (label ?? "").replace(/ \d+(?= on |$)/, "");
}

/** The browser or client with its major version, or `undefined`. */
function nameOf(ua: string): string | undefined {
  for (const [name, pattern] of BROWSERS) {
    const match = ua.match(pattern);
    if (match) return match[1] ? `${name} ${Number(match[1])}` : name;
  }
  // Not a browser: the first product token, "MyApp/2.3 (…)" → "MyApp 2".
  if (ua.startsWith("Mozilla/")) return undefined;
  const product = ua.match(/^([A-Za-z][\w.-]{0,40})(?:\/v?(\d+))?/);
  return product?.[1] ? (product[2] ? `${product[1]} ${Number(product[2])}` : product[1]) : undefined;
}
