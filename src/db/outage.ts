/**
 * Storage outages, seen even where Better Auth swallows them.
 *
 * Better Auth catches some storage errors and answers success anyway (sign-out
 * logs a failed delete and still clears the cookie, leaving a bearer token
 * alive). So every D1 and KV call made on behalf of a request reports its
 * failure here, and the auth routes turn any request that saw one into a 503.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { StorageUnavailableError } from "../errors";

const outages = new AsyncLocalStorage<unknown[]>();

/**
 * Runs `work` and returns its result with the storage failures it met.
 *
 * @example
 * ```ts
 * const { result, failures } = await trackOutages(() => auth.handler(request));
 * if (failures.length > 0) return errorResponse("SERVICE_UNAVAILABLE");
 * ```
 */
export async function trackOutages<T>(work: () => Promise<T>): Promise<{ result: T; failures: unknown[] }> {
  const failures: unknown[] = [];
  const result = await outages.run(failures, work);
  return { result, failures };
}

/** Runs one storage call; a failure is recorded and rethrown as {@link StorageUnavailableError}. */
export async function storageCall<T>(store: "D1" | "KV", call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (cause) {
    throw outage(store, cause);
  }
}

function outage(store: "D1" | "KV", cause: unknown): StorageUnavailableError {
  const error = new StorageUnavailableError(store, cause);
  outages.getStore()?.push(error);
  return error;
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
            throw outage("D1", cause);
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
