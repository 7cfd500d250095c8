/**
 * A browser, as far as the account pages can tell without one: same-origin
 * form posts with `Origin` and `Sec-Fetch-*`, a cookie jar, no redirects
 * followed. The real browser runs in test/browser/.
 */
import { cookiesAfter } from "../../src/pages/api";
import { call, ORIGIN, randomIp } from "../helpers";

export class PageVisitor {
  cookie = "";
  readonly ip = randomIp();

  constructor(readonly init: { origin?: string; cf?: object } = {}) {}

  private headers(navigation: boolean): Record<string, string> {
    const headers: Record<string, string> = { "sec-fetch-site": "same-origin", "sec-fetch-mode": "navigate", "sec-fetch-dest": "document" };
    if (!navigation) headers.origin = this.init.origin ?? ORIGIN;
    if (this.cookie) headers.cookie = this.cookie;
    return headers;
  }

  private keep(response: Response): Response {
    this.cookie = cookiesAfter(this.cookie, response.headers.getSetCookie());
    return response;
  }

  /** GET a page. */
  async get(path: string): Promise<Response> {
    return this.keep(await call(path, { headers: this.headers(true), ip: this.ip, cf: this.init.cf } as RequestInit));
  }

  /** POST a form, as the page's `<form method="post">` does. */
  async post(path: string, fields: Record<string, string> = {}): Promise<Response> {
    const body = new URLSearchParams(fields);
    return this.keep(
      await call(path, { method: "POST", body, headers: this.headers(false), ip: this.ip, cf: this.init.cf } as RequestInit),
    );
  }

  /** The raw session token in the jar, or "". */
  get sessionToken(): string {
    const value = this.cookie.match(/session_token=([^;]+)/)?.[1] ?? "";
    return decodeURIComponent(value).split(".")[0] ?? "";
  }
}

/** The text of a page, tags removed and whitespace folded. */
export async function textOf(response: Response): Promise<string> {
  const html = await response.text();
  return html
    .replace(/<style[\s\S]*?<\/style>|<script[\s\S]*?<\/script>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
}
