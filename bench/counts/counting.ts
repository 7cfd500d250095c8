/**
 * Bindings that count what the Worker asks of them and pass every call on to
 * the real binding: KV operations, D1 statements (reads and writes, with the
 * rows D1 itself reports), and Durable Object requests.
 */

/** Calls made since the counter was created or last reset. */
export interface Counts {
  kvReads: number;
  kvWrites: number;
  kvDeletes: number;
  kvLists: number;
  d1Reads: number;
  d1Writes: number;
  /** Rows D1 reported as read and written (its statements' `meta`; indexes included). */
  d1RowsRead: number;
  d1RowsWritten: number;
  doRequests: number;
}

export const zeroCounts = (): Counts => ({
  kvReads: 0,
  kvWrites: 0,
  kvDeletes: 0,
  kvLists: 0,
  d1Reads: 0,
  d1Writes: 0,
  d1RowsRead: 0,
  d1RowsWritten: 0,
  doRequests: 0,
});

export function diffCounts(after: Counts, before: Counts): Counts {
  const out = zeroCounts();
  for (const key of Object.keys(out) as (keyof Counts)[]) out[key] = after[key] - before[key];
  return out;
}

/** Every distinct statement run: how often, and the rows D1 says it read and wrote in all. */
export interface StatementStats {
  sql: string;
  runs: number;
  rowsRead: number;
  rowsWritten: number;
}

/** Whether `sql` writes (INSERT, UPDATE, DELETE, REPLACE, also behind a WITH). */
function isWrite(sql: string): boolean {
  return /^\s*(with\b[\s\S]*?\)\s*)?(insert|update|delete|replace)\b/i.test(sql);
}

const passThrough = <T extends object>(target: T, overrides: Partial<Record<PropertyKey, unknown>>): T =>
  new Proxy(target, {
    get(object, prop) {
      if (Object.hasOwn(overrides, prop)) return overrides[prop];
      const value = Reflect.get(object, prop, object) as unknown;
      return typeof value === "function" ? value.bind(object) : value;
    },
  });

/**
 * Counting wrappers around `env`'s KV namespace, D1 database and Durable
 * Object namespace; `counts` accumulates, `statements` has the D1 statements.
 */
export function countingBindings(env: { DB: D1Database; SESSION_KV: KVNamespace; RATE_LIMITER: DurableObjectNamespace }) {
  const counts = zeroCounts();
  const statements = new Map<string, StatementStats>();

  const stats = (sql: string) => {
    const entry = statements.get(sql) ?? { sql, runs: 0, rowsRead: 0, rowsWritten: 0 };
    statements.set(sql, entry);
    return entry;
  };
  const counted = (sql: string) => {
    stats(sql).runs += 1;
    if (isWrite(sql)) counts.d1Writes += 1;
    else counts.d1Reads += 1;
  };
  const onMeta = (sql: string, result: unknown) => {
    const meta = (result as { meta?: { rows_read?: number; rows_written?: number } } | null)?.meta;
    const entry = stats(sql);
    entry.rowsRead += meta?.rows_read ?? 0;
    entry.rowsWritten += meta?.rows_written ?? 0;
    counts.d1RowsRead += meta?.rows_read ?? 0;
    counts.d1RowsWritten += meta?.rows_written ?? 0;
  };

  /** The real statement and the SQL behind each wrapped one (batch() runs the real ones). */
  const origin = new WeakMap<object, { stmt: D1PreparedStatement; sql: string }>();

  const statement = (stmt: D1PreparedStatement, sql: string): D1PreparedStatement => {
    // Only all() and run() report the rows read and written: the others are answered from all(),
    // except for joins, whose column names can repeat (raw() exists for them).
    const viaAll = !/\bjoin\b/i.test(sql);
    const run =
      (method: "all" | "run" | "raw" | "first") =>
      async (...args: unknown[]) => {
        counted(sql);
        if (viaAll && (method === "raw" || method === "first")) return fromAll(sql, await stmt.all(), method, args);
        const result = await (stmt[method] as (...a: unknown[]) => Promise<unknown>).apply(stmt, args);
        if (method === "all" || method === "run") onMeta(sql, result);
        return result;
      };
    const wrapped = passThrough(stmt, {
      bind: (...values: unknown[]) => statement(stmt.bind(...values), sql),
      all: run("all"),
      run: run("run"),
      raw: run("raw"),
      first: run("first"),
    });
    origin.set(wrapped, { stmt, sql });
    return wrapped;
  };

  /** What `raw()` or `first()` would answer, from the answer of `all()`. */
  const fromAll = (sql: string, result: D1Result<Record<string, unknown>>, method: "raw" | "first", args: unknown[]) => {
    onMeta(sql, result);
    const rows = result.results ?? [];
    if (method === "first") {
      const [column] = args as [string | undefined];
      return column === undefined ? (rows[0] ?? null) : (rows[0]?.[column] ?? null);
    }
    const values = rows.map((row) => Object.values(row));
    const withNames = (args[0] as { columnNames?: boolean } | undefined)?.columnNames === true;
    return withNames ? [Object.keys(rows[0] ?? {}), ...values] : values;
  };

  const db = passThrough(env.DB, {
    prepare: (sql: string) => statement(env.DB.prepare(sql), sql),
    batch: async (list: D1PreparedStatement[]) => {
      const results = await env.DB.batch(list.map((s) => origin.get(s)?.stmt ?? s));
      list.forEach((s, i) => {
        const sql = origin.get(s)?.sql ?? "(batch)";
        counted(sql);
        onMeta(sql, results[i]);
      });
      return results;
    },
  });

  const kv = passThrough(env.SESSION_KV, {
    get: (...args: unknown[]) => {
      counts.kvReads += 1;
      return (env.SESSION_KV.get as (...a: unknown[]) => unknown)(...args);
    },
    getWithMetadata: (...args: unknown[]) => {
      counts.kvReads += 1;
      return (env.SESSION_KV.getWithMetadata as (...a: unknown[]) => unknown)(...args);
    },
    put: (...args: unknown[]) => {
      counts.kvWrites += 1;
      return (env.SESSION_KV.put as (...a: unknown[]) => unknown)(...args);
    },
    delete: (...args: unknown[]) => {
      counts.kvDeletes += 1;
      return (env.SESSION_KV.delete as (...a: unknown[]) => unknown)(...args);
    },
    list: (...args: unknown[]) => {
      counts.kvLists += 1;
      return (env.SESSION_KV.list as (...a: unknown[]) => unknown)(...args);
    },
  });

  // Every call on a stub (an RPC method or fetch) is one Durable Object request.
  const stub = (real: object) =>
    new Proxy(real, {
      get(object, prop) {
        const value = Reflect.get(object, prop, object) as unknown;
        if (typeof value !== "function" || prop === "then") return value;
        return (...args: unknown[]) => {
          counts.doRequests += 1;
          // Reflect.apply: on an RPC stub, `.apply` would be taken for a remote method.
          return Reflect.apply(value as (...a: unknown[]) => unknown, object, args);
        };
      },
    });
  const limiter = passThrough(env.RATE_LIMITER, {
    get: (...args: unknown[]) => stub((env.RATE_LIMITER.get as (...a: unknown[]) => object)(...args)),
    getByName: (...args: unknown[]) => stub((env.RATE_LIMITER as unknown as { getByName: (...a: unknown[]) => object }).getByName(...args)),
  });

  return { db, kv, limiter, counts, statements: () => [...statements.values()] };
}
