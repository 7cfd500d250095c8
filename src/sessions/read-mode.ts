/**
 * How the session reads of one Better Auth request treat cached copies.
 * Kept in Better Auth's request state, so it covers `auth.handler` and
 * `auth.api.*` alike; see docs/sessions.md, "The revocation bound".
 */
import { defineRequestState, getRequestStateAsyncLocalStorage, hasRequestState, runWithRequestState } from "@better-auth/core/context";

/**
 * - `cached`: a KV copy confirmed in D1 within the bound is used as it is
 *   (session checks);
 * - `confirm`: a copy is used only once D1 confirms it, on every read
 *   (everything that acts on a session: a session revoked elsewhere cannot act);
 * - `skip`: cached copies are ignored and D1 answers (fresh checks).
 */
export type ReadMode = "cached" | "confirm" | "skip";

const readMode = defineRequestState<ReadMode>(() => "cached");

/** Better Auth's request-state storage, once known: outside a request, the mode is known without waiting. */
let requestStates: { getStore(): unknown } | undefined;
void getRequestStateAsyncLocalStorage().then((storage) => {
  requestStates = storage;
});

/**
 * The read mode of the Better Auth request this runs in; `cached` outside
 * one. Answers at once outside a request (the fast path's case).
 */
export function currentReadMode(): ReadMode | Promise<ReadMode> {
  if (requestStates && requestStates.getStore() === undefined) return "cached";
  return hasRequestState().then((inRequest) => (inRequest ? readMode.get() : "cached"));
}

/**
 * Has every session read of the current Better Auth request confirm its copy
 * in D1 (a fresh read stays fresh). Called by the plugin for every endpoint
 * but get-session.
 */
export async function confirmReads(): Promise<void> {
  if ((await readMode.get()) === "cached") await readMode.set("confirm");
}

/**
 * Runs `work` with every cached session copy ignored: the Better Auth calls
 * inside read D1 (the primary) directly.
 *
 * @example
 * ```ts
 * const session = await withFreshReads(() => auth.api.getSession({ headers }));
 * ```
 */
export async function withFreshReads<T>(work: () => Promise<T>): Promise<T> {
  return runWithRequestState(new WeakMap(), async () => {
    await readMode.set("skip");
    return await work();
  });
}
