import { describe, expect, it } from "vitest";
import { deviceFamily, deviceLabel } from "../src/activity/device";

/** Real User-Agents, as the browsers and clients send them, and their label. */
const LABELS: [userAgent: string, label: string][] = [
  [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Chrome 131 on macOS",
  ],
  [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Edge 131 on Windows",
  ],
  ["Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox 133 on Windows"],
  ["Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox 133 on Linux"],
  [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Safari 18 on macOS",
  ],
  [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Safari 18 on iOS",
  ],
  [
    "Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
    "Chrome 131 on iPadOS",
  ],
  [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15",
    "Firefox 133 on iOS",
  ],
  [
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
    "Chrome 131 on Android",
  ],
  [
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
    "Samsung Internet 26 on Android",
  ],
  [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0",
    "Opera 115 on Windows",
  ],
  [
    "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Chrome 131 on ChromeOS",
  ],
  [
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36",
    "Headless Chrome 156 on Linux",
  ],
  ["curl/8.5.0", "curl 8"],
  ["node", "Node.js"],
  ["Deno/2.1.4", "Deno 2"],
  ["Bun/1.1.38", "Bun 1"],
  ["okhttp/4.12.0", "okhttp 4"],
  ["python-requests/2.32.3", "Python Requests 2"],
  ["MyCompanyApp/3.2 (iPhone; iOS 18.1)", "MyCompanyApp 3 on iOS"],
  ["Mozilla/5.0 (X11; Linux x86_64)", "Browser on Linux"],
  ["Mozilla/5.0", "Unknown device"],
  ["\u0000\u0001", "Unknown device"],
];

describe("device labels", () => {
  for (const [userAgent, label] of LABELS) {
    it(`${label}`, () => {
      expect(deviceLabel(userAgent)).toBe(label);
    });
  }

  it("is null without a User-Agent, and bounded with a huge one", () => {
    expect(deviceLabel(undefined)).toBeNull();
    expect(deviceLabel("   ")).toBeNull();
    expect(deviceLabel(`${"A".repeat(10_000)}/1`)?.length).toBeLessThanOrEqual(64);
  });

  it("compares devices without their version, so a browser update is no new device", () => {
    expect(deviceFamily("Chrome 131 on macOS")).toBe("Chrome on macOS");
    expect(deviceFamily("Chrome 132 on macOS")).toBe(deviceFamily("Chrome 131 on macOS"));
    expect(deviceFamily("curl 8")).toBe("curl");
    expect(deviceFamily("Samsung Internet 26 on Android")).toBe("Samsung Internet on Android");
    expect(deviceFamily(null)).toBe("");
  });
});
