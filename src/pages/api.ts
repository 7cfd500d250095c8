/**
 * The pages call the API as a browser would: a form's fields become the
 * JSON body of the same Better Auth endpoint, sent with the browser's own
 * headers (`Origin`, `Sec-Fetch-*`, cookies, the client address) to
 * `auth.handler`, so every rule of the API (origin and CSRF checks, rate
 * limits, lockout, redirect targets, re-authentication) applies to the page
 * unchanged. docs/pages.md, "How the pages use the API".
 */
import type { Context } from "hono";
import { ERROR_CODES, type ErrorCode, errorCodeFor } from "../errors";
import { getRuntime } from "../runtime";
import type { PageEnv } from "./headers";

/** An error to show in a page: the code, its message from the table, and when to retry after a 429. */
export interface PageError {
  code: ErrorCode;
  message: string;
  /** Seconds, from `Retry-After`. */
  retryAfter?: number;
}

export interface ApiAnswer<T> {
  status: number;
  /** The answer's JSON on success. */
  data?: T;
  error?: PageError;
  /** Cookies the endpoint set (a new session, a cleared one): the page passes them on. */
  setCookies: string[];
}

/** Headers of the page request that never reach the API: the body's own, and ways to ask for a bearer token. */
const NOT_FORWARDED = ["content-type", "content-length", "transfer-encoding", "authorization", "x-auth-mode", "x-device-token"];

/**
 * Calls `/api/auth<path>` with the page request's headers and `body` as JSON.
 * `cookie` replaces the request's cookies (after an earlier call set new ones).
 *
 * @example
 * ```ts
 * const answer = await callApi(c, "/sign-in/email", { body: { email, password } });
 * if (answer.error) return render(c, <SignIn error={answer.error} />, answer);
 * ```
 */
export async function callApi<T = unknown>(
  c: Context<PageEnv>,
  path: string,
  init: { body?: Record<string, unknown>; cookie?: string } = {},
): Promise<ApiAnswer<T>> {
  const headers = new Headers(c.req.raw.headers);
  for (const name of NOT_FORWARDED) headers.delete(name);
  if (init.cookie !== undefined) headers.set("cookie", init.cookie);
  if (init.body) headers.set("content-type", "application/json");
  const request = new Request(new URL(`/api/auth${path}`, c.req.url), {
    method: init.body ? "POST" : "GET",
    headers,
    body: init.body ? JSON.stringify(init.body) : undefined,
    // Where a new session signed in from (activity/where.ts).
    cf: c.req.raw.cf as RequestInit["cf"],
  });
  const response = await getRuntime(c.env).auth.handler(request);
  const setCookies = response.headers.getSetCookie();
  const json = response.headers.get("content-type")?.includes("json") ? await response.json().catch(() => undefined) : undefined;
  if (response.ok) return { status: response.status, data: json as T, setCookies };
  const code = errorCodeFor(response.status, (json as { code?: unknown } | undefined)?.code);
  const retryAfter = Number(response.headers.get("retry-after"));
  return {
    status: ERROR_CODES[code].status,
    error: { code, message: ERROR_CODES[code].message, ...(retryAfter > 0 && { retryAfter }) },
    setCookies,
  };
}

/**
 * The `Cookie` header a browser would send after `setCookies`: the
 * request's cookies with those set replaced, and those cleared removed.
 */
export function cookiesAfter(cookieHeader: string | undefined, setCookies: string[]): string {
  const jar = new Map<string, string>();
  for (const pair of (cookieHeader ?? "").split(";")) {
    const eq = pair.indexOf("=");
    if (eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
  for (const line of setCookies) {
    const [pair = "", ...attributes] = line.split(";");
    const eq = pair.indexOf("=");
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    const cleared = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute)) || pair.slice(eq + 1).trim() === "";
    if (cleared) jar.delete(name);
    else jar.set(name, pair.slice(eq + 1).trim());
  }
  return [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
}
