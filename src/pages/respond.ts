/**
 * How a page answers: an HTML document, or a `303 See Other` after a form
 * (post, redirect, get), passing on the cookies the API set and, after a
 * 429, its `Retry-After`.
 */

import type { Context } from "hono";
import type { Child } from "hono/jsx";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { getRuntime } from "../runtime";
import type { PageError } from "./api";
import type { PageEnv } from "./headers";

export interface Answer {
  status?: number;
  setCookies?: string[];
  error?: PageError;
}

/** What every page's layout needs from the request: the app's name and colour, and the nonce. */
export function frame(c: Context<PageEnv>) {
  const { appName, accentColor } = getRuntime(c.env).config;
  return { appName, accentColor, nonce: c.var.nonce };
}

/**
 * Answers with a page.
 *
 * @example
 * ```ts
 * return render(c, <SignIn {...frame(c)} error={answer.error} />, answer);
 * ```
 */
export async function render(c: Context<PageEnv>, page: Child, answer: Answer = {}): Promise<Response> {
  passOn(c, answer);
  const html = `<!doctype html>${await Promise.resolve(page?.toString() ?? "")}`;
  return c.html(html, (answer.status ?? 200) as ContentfulStatusCode);
}

/** `303 See Other` to `location` (a path of this origin, or a target the API accepted). */
export function seeOther(c: Context<PageEnv>, location: string, answer: Answer = {}): Response {
  passOn(c, answer);
  return c.redirect(location, 303);
}

function passOn(c: Context<PageEnv>, { setCookies = [], error }: Answer): void {
  for (const cookie of setCookies) c.header("set-cookie", cookie, { append: true });
  if (error?.retryAfter) c.header("retry-after", String(error.retryAfter));
}

/**
 * The named string fields of a posted form (`application/x-www-form-urlencoded`
 * or `multipart/form-data`); anything else is left out.
 */
export async function formOf<const Name extends string>(
  c: Context<PageEnv>,
  names: readonly Name[],
): Promise<Partial<Record<Name, string>>> {
  const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const fields: Partial<Record<Name, string>> = {};
  for (const name of names) {
    const value = body[name];
    if (typeof value === "string") fields[name] = value;
  }
  return fields;
}

/** Whether `setCookies` hold a new session cookie (a sign-in or sign-up that signed in). */
export function setsSession(setCookies: string[]): boolean {
  return setCookies.some((cookie) => /session_token=[^;]/.test(cookie) && !/max-age=0/i.test(cookie));
}
