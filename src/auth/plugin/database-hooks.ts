/**
 * Several sets of session database hooks as one: a plugin's `init` gives
 * Better Auth one set, and the lifetimes (`lifetimes.ts`) and the activity
 * log (`activity.ts`) each have theirs.
 */
import type { BetterAuthOptions } from "better-auth";

/** The `session` database hooks of Better Auth's options. */
export type SessionHooks = NonNullable<NonNullable<BetterAuthOptions["databaseHooks"]>["session"]>;

type Before<T> = (data: T, ctx: never) => Promise<unknown>;

/** `before` hooks in order: each sees the data the previous ones made; `false` from any stops the write. */
function chainBefore<T extends object>(hooks: (Before<T> | undefined)[]): Before<T> {
  return async (data, ctx) => {
    let current = data;
    for (const hook of hooks) {
      const result = await hook?.(current, ctx);
      if (result === false) return false;
      if (result && typeof result === "object" && "data" in result) current = { ...current, ...(result.data as Partial<T>) };
    }
    return { data: current };
  };
}

/** `after` hooks in order. */
function chainAfter<T>(hooks: (((data: T, ctx: never) => Promise<void>) | undefined)[]) {
  return async (data: T, ctx: never) => {
    for (const hook of hooks) await hook?.(data, ctx);
  };
}

/**
 * The session hooks of `sets`, run in the order given.
 *
 * @example
 * ```ts
 * databaseHooks: { session: chainSessionHooks(sessionLifetimes(config, context), activity.sessionHooks(context)) }
 * ```
 */
export function chainSessionHooks(...sets: SessionHooks[]): SessionHooks {
  const chained: Record<string, Record<string, unknown>> = {};
  for (const operation of ["create", "update", "delete"] as const) {
    const before = sets.map((set) => set[operation]?.before as Before<object> | undefined);
    const after = sets.map((set) => set[operation]?.after as ((data: unknown, ctx: never) => Promise<void>) | undefined);
    chained[operation] = {
      ...(before.some(Boolean) ? { before: chainBefore(before) } : {}),
      ...(after.some(Boolean) ? { after: chainAfter(after) } : {}),
    };
  }
  return chained as SessionHooks;
}
