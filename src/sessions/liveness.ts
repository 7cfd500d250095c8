/**
 * Which session rows are live: not expired, not past their absolute
 * lifetime (`SESSION_MAX_AGE` after sign-in), not tombstoned by an operator
 * (`deletedAt`), and not signed out by "sign everyone out" (created before
 * the `sessions_not_before` setting). The trust bound asks D1 this before it
 * trusts a cached copy (`trust.ts`), and Better Auth's own reads of session
 * rows see only live ones (`liveSessionsOnly`). docs/sessions.md.
 */
import { and, eq, gt, gte, isNull, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { surfaced } from "../db/outage";
import { authSetting, session } from "../db/schema";

/** The setting that holds the time before which every session was signed out (epoch ms). */
export const SESSIONS_NOT_BEFORE = "sessions_not_before";

/** `sessions_not_before`, or 0 when everyone was never signed out. */
const notBefore = sql`coalesce((select ${authSetting.value} from ${authSetting} where ${authSetting.name} = ${SESSIONS_NOT_BEFORE}), 0)`;

/**
 * Whether D1 holds a live session for `token` (one indexed read).
 *
 * @example
 * ```ts
 * if (!(await isLiveSession(db, token, config.sessionMaxAge * 1000))) forget(token);
 * ```
 */
export async function isLiveSession(db: Db, token: string, maxAgeMs: number): Promise<boolean> {
  const now = Date.now();
  const rows = await surfaced(
    db
      .select({ id: session.id })
      .from(session)
      .where(
        and(
          eq(session.token, token),
          gt(session.expiresAt, new Date(now)),
          gt(session.createdAt, new Date(now - maxAgeMs)),
          isNull(session.deletedAt),
          gte(session.createdAt, notBefore),
        ),
      )
      .limit(1),
  );
  return rows.length > 0;
}

/** The time before which every session was signed out, epoch ms (0: never). */
export async function sessionsNotBefore(db: Db): Promise<number> {
  const [row] = await surfaced(
    db.select({ value: authSetting.value }).from(authSetting).where(eq(authSetting.name, SESSIONS_NOT_BEFORE)).limit(1),
  );
  return row?.value ?? 0;
}

/**
 * Signs out every session created before `at` (epoch ms): stores it as
 * `sessions_not_before`, never moving it back. Returns the stored time.
 *
 * @example
 * ```ts
 * await signOutSessionsBefore(db, Date.now());
 * ```
 */
export async function signOutSessionsBefore(db: Db, at: number): Promise<number> {
  const [row] = await surfaced(
    db
      .insert(authSetting)
      .values({ name: SESSIONS_NOT_BEFORE, value: at })
      .onConflictDoUpdate({
        target: authSetting.name,
        set: { value: sql`max(${authSetting.value}, excluded.value)`, updatedAt: new Date() },
      })
      .returning({ value: authSetting.value }),
  );
  return row?.value ?? at;
}

type SessionRow = { deletedAt?: Date | null; createdAt?: Date | string | number };

/**
 * A Better Auth database adapter factory whose reads of session rows leave
 * out those past their absolute lifetime, the tombstoned ones and those
 * signed out by "sign everyone out", so Better Auth treats them as gone
 * wherever it reads D1 (a KV miss, a fresh check, list-sessions).
 */
export function liveSessionsOnly<Options, Adapter extends object>(
  factory: (options: Options) => Adapter,
  db: Db,
  maxAgeMs: number,
): (options: Options) => Adapter {
  const live = async <T extends SessionRow>(rows: T[]): Promise<T[]> => {
    if (rows.length === 0) return rows;
    const notBefore = await sessionsNotBefore(db);
    const oldest = Date.now() - maxAgeMs;
    return rows.filter((row) => {
      const createdAt = new Date(row.createdAt ?? 0).getTime();
      return !row.deletedAt && createdAt >= notBefore && createdAt > oldest;
    });
  };
  return (options) =>
    new Proxy(factory(options), {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== "function" || (prop !== "findOne" && prop !== "findMany")) return value;
        return async (query: { model?: string }, ...rest: unknown[]) => {
          const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, [query, ...rest]);
          if (query?.model !== "session" || !result) return result;
          if (Array.isArray(result)) return live(result as SessionRow[]);
          const [kept] = await live([result as SessionRow]);
          return kept ?? null;
        };
      },
    });
}
