/**
 * Storage outages, seen even where Better Auth swallows them.
 *
 * Better Auth catches some storage errors and answers success anyway
 * (sign-out logs a failed delete and still clears the cookie, leaving a
 * bearer token alive). So every D1 and KV call reports its failure to the
 * Better Auth request it serves (its request state), and the plugin turns
 * any request that met one into a 503 (`auth/plugin/outages.ts`).
 */
import { defineRequestState, hasRequestState } from "@better-auth/core/context";
import { StorageUnavailableError } from "../errors";

/** The storage failures the current Better Auth request met. */
const outages = defineRequestState<StorageUnavailableError[]>(() => []);

/**
 * The storage failures met so far by the Better Auth request this runs in
 * (an endpoint call through `auth.handler` or `auth.api.*`).
 */
export async function outagesOfRequest(): Promise<StorageUnavailableError[]> {
  return (await hasRequestState()) ? outages.get() : [];
}

/** Runs one storage call; a failure is recorded and rethrown as {@link StorageUnavailableError}. */
export async function storageCall<T>(store: "D1" | "KV", call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (cause) {
    throw await outage(store, cause);
  }
}

async function outage(store: "D1" | "KV", cause: unknown): Promise<StorageUnavailableError> {
  if (cause instanceof StorageUnavailableError) return cause;
  const error = new StorageUnavailableError(store, cause);
  if (await hasRequestState()) (await outages.get()).push(error);
  return error;
}

/** The storage failure behind `error`, if any: Drizzle wraps the D1 error it met in its own. */
function storageFailureIn(error: unknown): StorageUnavailableError | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (current instanceof StorageUnavailableError) return current;
  }
  return undefined;
}

/**
 * `query`'s result, with a storage failure surfacing as the
 * {@link StorageUnavailableError} it is rather than inside Drizzle's error.
 *
 * @example
 * ```ts
 * const rows = await surfaced(db.select().from(session));
 * ```
 */
export async function surfaced<T>(query: PromiseLike<T>): Promise<T> {
  try {
    return await query;
  } catch (error) {
    throw storageFailureIn(error) ?? error;
  }
}

/**
 * A Better Auth database adapter factory whose adapters surface storage
 * failures as {@link StorageUnavailableError} (see {@link surfaced}), so
 * Better Auth passes them on as the 503 they are.
 */
export function surfacingFailures<Options, Adapter extends object>(factory: (options: Options) => Adapter): (options: Options) => Adapter {
  return (options) =>
    new Proxy(factory(options), {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          return result instanceof Promise ? surfaced(result) : result;
        };
      },
    });
}

const STATEMENT_METHODS = new Set(["all", "run", "raw", "first"]);
const unwrapped = new WeakMap<object, D1PreparedStatement>();

/**
 * A D1 binding whose failures are reported as outages. Statements stay real
 * D1 statements underneath, so `batch()` still receives what it expects.
 */
export function withOutageReporting(db: D1Database): D1Database {
  const wrapStatement = (statement: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(statement, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== "function") return value;
        if (prop === "bind") return (...args: unknown[]) => wrapStatement(target.bind(...args));
        if (typeof prop === "string" && STATEMENT_METHODS.has(prop)) {
          return (...args: unknown[]) => storageCall("D1", () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
        }
        return value.bind(target);
      },
    });
    unwrapped.set(proxy, statement);
    return proxy;
  };
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") {
        return (query: string) => {
          try {
            return wrapStatement(target.prepare(query));
          } catch (cause) {
            // prepare() is synchronous: the failure surfaces when the statement runs.
            return failingStatement(cause);
          }
        };
      }
      if (prop === "batch") {
        return (statements: D1PreparedStatement[]) =>
          storageCall("D1", () => target.batch(statements.map((statement) => unwrapped.get(statement) ?? statement)));
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** A statement that fails, as an outage, whenever it is run. */
function failingStatement(cause: unknown): D1PreparedStatement {
  const fail = () => storageCall("D1", () => Promise.reject(cause));
  const statement = { bind: () => statement, all: fail, run: fail, raw: fail, first: fail };
  return statement as unknown as D1PreparedStatement;
}
