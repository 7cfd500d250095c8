/**
 * The Worker's log lines, without credentials: no token in a query string
 * or a reset path, no SQL parameters (Drizzle puts a query's parameters,
 * session tokens among them, into its error messages). Better Auth's own
 * log lines go through here too. docs/security.md, "Tokens in logs".
 */

const REDACTED = "[redacted]";

/** Patterns that carry a credential, and what stands in its place. */
const CREDENTIALS: [RegExp, string][] = [
  // Drizzle: "Failed query: select … where token = ?\nparams: <token>,<n>"
  [/(params:)[^\n]*/gi, `$1 ${REDACTED}`],
  // verify-email?token=…, ?callbackURL=…&token=…
  [/([?&](?:token|code|password)=)[^&#\s"']*/gi, `$1${REDACTED}`],
  // /reset-password/<token>
  [/(\/reset-password\/)[^/?#\s"']+/gi, `$1${REDACTED}`],
  // Authorization: Bearer <token>, cookies
  [/(bearer\s+)[^\s"',]+/gi, `$1${REDACTED}`],
  [/(session_token=)[^;\s"',]+/gi, `$1${REDACTED}`],
];

/**
 * `text` with every credential it holds replaced by `[redacted]`.
 *
 * @example
 * ```ts
 * redact("GET /api/auth/reset-password/abc?callbackURL=/x"); // "GET /api/auth/reset-password/[redacted]?callbackURL=/x"
 * ```
 */
export function redact(text: string): string {
  return CREDENTIALS.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

/** An error and the errors it wraps, as text: name, message and stack, each redacted. */
function describe(error: unknown): string {
  const parts: string[] = [];
  for (let current = error, depth = 0; current !== undefined && depth < 5; depth++) {
    if (current instanceof Error) {
      parts.push(current.stack ?? `${current.name}: ${current.message}`);
      current = current.cause;
    } else {
      parts.push(typeof current === "string" ? current : (JSON.stringify(current) ?? String(current)));
      current = undefined;
    }
  }
  return redact(parts.join("\ncaused by: "));
}

/**
 * Logs an error line: `what` (a short description, no request URL) and the
 * error with its causes, redacted.
 *
 * @example
 * ```ts
 * logError("rate limiter unavailable for an account", error);
 * ```
 */
export function logError(what: string, error?: unknown): void {
  console.error(error === undefined ? redact(what) : `${redact(what)}: ${describe(error)}`);
}

/** Better Auth's `logger.log`: its lines, redacted, at their level. */
export function betterAuthLog(level: "debug" | "info" | "warn" | "error", message: string, ...args: unknown[]): void {
  const line = [
    `[Better Auth] ${redact(message)}`,
    ...args.map((arg) => (arg instanceof Error ? describe(arg) : redact(String(safeJson(arg))))),
  ].join(" ");
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

function safeJson(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Logs one JSON line (Workers Logs indexes its fields): every string in it
 * redacted, `null` and `undefined` fields left out.
 *
 * @example
 * ```ts
 * logJson({ event: "sign-in", userId, cfRay }); // {"event":"sign-in","userId":"…","cfRay":"…"}
 * ```
 */
export function logJson(fields: Record<string, unknown>): void {
  console.log(JSON.stringify(fields, (_key, value: unknown) => (typeof value === "string" ? redact(value) : (value ?? undefined))));
}

/**
 * An email address as logs may hold it: its first character and its domain,
 * `a…@example.com`, never the whole address.
 *
 * @example
 * ```ts
 * maskEmail("ada@example.com"); // "a…@example.com"
 * ```
 */
export function maskEmail(email: string): string {
  const address = email.trim().toLowerCase();
  const at = address.lastIndexOf("@");
  return at < 1 ? "…" : `${address[0]}…${address.slice(at)}`;
}
