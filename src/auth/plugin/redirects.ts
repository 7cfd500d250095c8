/**
 * Redirect targets (`callbackURL`, `redirectTo`, `errorCallbackURL`,
 * `newUserCallbackURL`): accepted only when they lead to this origin or a
 * trusted one, and handed to Better Auth resolved, so the `Location` it
 * writes and the links it mails are the URL checked here.
 * docs/security.md, "Redirect targets".
 */
import { createAuthMiddleware } from "better-auth/api";
import { apiError, type ErrorCode } from "../../errors";
import type { Hook, HookContext } from "./context";

/** The fields that name a redirect target, in a body or a query, and the code that refuses each. */
const TARGETS = {
  callbackURL: "INVALID_CALLBACK_URL",
  redirectTo: "INVALID_REDIRECT_URL",
  errorCallbackURL: "INVALID_ERROR_CALLBACK_URL",
  newUserCallbackURL: "INVALID_NEW_USER_CALLBACK_URL",
} as const satisfies Record<string, ErrorCode>;

/**
 * Printable ASCII without `\`. URL parsers drop tabs and newlines, trim
 * spaces, read `\` as `/` and fold Unicode look-alikes in host names, each
 * its own way; an honest client percent-encodes such characters.
 */
const PLAIN = /^[\x21-\x5b\x5d-\x7e]+$/;

/** `%2F` or `%5C` in a path: a router that decodes before it routes sees a separator. */
const ENCODED_SEPARATOR = /%2f|%5c/i;

/** `.` and `..` segments as URL parsers read them, percent-encoded dots included. */
const DOT = /^(?:\.|%2e)$/i;
const DOT_DOT = /^(?:\.|%2e){2}$/i;

/**
 * Checks every redirect target of a call, in its body and its query, and
 * hands the endpoint the absolute URL it resolves to instead. Better Auth's
 * own check reads the raw string (`/a/..//evil.example` passes it, then
 * becomes `//evil.example` in a `Location`) and checks nothing on calls
 * without a request (`auth.api.*`). A refused target answers `403` with the
 * field's code before the endpoint runs, so no redirect, on success or on
 * error, and no mailed link ever carries it.
 *
 * @example
 * ```ts
 * hooks: { before: [notOffered, confirmSessionReads, redirectTargets] }
 * ```
 */
export const redirectTargets: Hook = {
  matcher: () => true,
  handler: createAuthMiddleware(async (ctx) => {
    const origins = allowedOrigins(ctx);
    const body = resolveFields(ctx.body, origins);
    const query = resolveFields(ctx.query, origins);
    if (!body && !query) return;
    return { context: { ...(body && { body }), ...(query && { query }) } };
  }),
};

/** This origin (`BASE_URL`, or the request's in development) first, then `TRUSTED_ORIGINS`. */
function allowedOrigins(ctx: HookContext): string[] {
  const trusted = ctx.context.options.trustedOrigins;
  return [new URL(ctx.context.baseURL).origin, ...(Array.isArray(trusted) ? trusted : [])];
}

/**
 * The redirect fields of a body or query with their resolved URLs, or
 * `undefined` when it has none. Throws the field's code for a refused one.
 */
function resolveFields(fields: unknown, origins: string[]): Record<string, string> | undefined {
  if (!fields || typeof fields !== "object") return undefined;
  const resolved: Record<string, string> = {};
  for (const [name, code] of Object.entries(TARGETS)) {
    const value = (fields as Record<string, unknown>)[name];
    // Better Auth treats an empty target as none.
    if (value === undefined || value === null || value === "") continue;
    const target = typeof value === "string" ? resolveTarget(value, origins) : null;
    if (!target) throw apiError(code);
    resolved[name] = target;
  }
  return Object.keys(resolved).length > 0 ? resolved : undefined;
}

/**
 * The absolute URL `value` leads to, or `null` when it is refused (the
 * account pages check a target they redirect to themselves with it). A path
 * (`/account`) is on the first origin; an absolute URL must start with one
 * of `origins` spelled exactly, so user info, ports, look-alike hosts and
 * other schemes never match. Either way the path must mean the same to
 * every parser: one leading `/`, no `..` above the root, no encoded
 * separators, and still no `//` once resolved.
 */
export function resolveTarget(value: string, origins: string[]): string | null {
  if (!PLAIN.test(value)) return null;
  const origin = value.startsWith("/") ? origins[0] : origins.find((candidate) => startsWithOrigin(value, candidate));
  if (!origin) return null;
  const rest = value.startsWith("/") ? value : value.slice(origin.length);
  const path = rest.split(/[?#]/, 1)[0] ?? "";
  if (path.startsWith("//") || ENCODED_SEPARATOR.test(path) || climbsAboveRoot(path)) return null;
  const url = new URL(rest, origin);
  return url.origin === origin && !url.pathname.startsWith("//") ? url.href : null;
}

/** Whether `value` is `origin` itself or continues it with a path, query or fragment (not `.`, `:` or `@`). */
function startsWithOrigin(value: string, origin: string): boolean {
  return value.startsWith(origin) && (value.length === origin.length || "/?#".includes(value.charAt(origin.length)));
}

/** Whether the `..` segments of `path` climb above the root, where parsers disagree on what comes next. */
function climbsAboveRoot(path: string): boolean {
  let depth = 0;
  for (const segment of path.split("/").slice(1)) {
    if (DOT_DOT.test(segment)) depth -= 1;
    else if (!DOT.test(segment)) depth += 1;
    if (depth < 0) return true;
  }
  return false;
}
