import { drizzle } from "drizzle-orm/d1";
import { schema } from "./schema";

/**
 * A Drizzle client over the D1 binding.
 *
 * @example
 * ```ts
 * const db = createDb(env.DB);
 * await db.select().from(session).where(eq(session.userId, id));
 * ```
 */
export function createDb(d1: D1Database) {
  return drizzle(d1, { schema });
}

export type Db = ReturnType<typeof createDb>;
