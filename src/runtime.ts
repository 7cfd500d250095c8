/**
 * What an isolate builds once per environment and reuses: the settings,
 * Drizzle over D1, the KV session storage with its trust bound, Better Auth,
 * and the fast path's signing key and memories. One cache for all of it.
 */
import { type Auth, createAuth } from "./auth";
import { type Config, readConfig } from "./config";
import { createDb, type Db } from "./db/client";
import { withOutageReporting } from "./db/outage";
import { createFastPath, type FastPath } from "./sessions/fast-path";
import { type KvSecondaryStorage, kvSecondaryStorage } from "./sessions/kv-storage";
import { isLiveSession } from "./sessions/liveness";
import { SessionTrust } from "./sessions/trust";

export interface Runtime {
  config: Config;
  /** Drizzle over D1, with outages reported: the client Better Auth uses. */
  db: Db;
  /** The KV secondary storage, with its trust bound: Better Auth and the fast path read sessions through it. */
  storage: KvSecondaryStorage;
  auth: Auth;
  /** The warm-check fast path's state, prepared on first use. */
  fastPath(): Promise<FastPath>;
}

const runtimes = new WeakMap<Env, Runtime>();

/**
 * The isolate's runtime for `env`, built on first use.
 *
 * Building Better Auth costs CPU, so it happens once per isolate; an
 * initialisation that fails is dropped so the next request tries again.
 *
 * @throws {ConfigError} when the environment is misconfigured (nothing is kept).
 * @example
 * ```ts
 * const { auth } = getRuntime(c.env);
 * ```
 */
export function getRuntime(env: Env): Runtime {
  let runtime = runtimes.get(env);
  if (!runtime) {
    const created = createRuntime(env);
    created.auth.$context.catch(() => {
      if (runtimes.get(env) === created) runtimes.delete(env);
    });
    runtimes.set(env, created);
    runtime = created;
  }
  return runtime;
}

function createRuntime(env: Env): Runtime {
  const config = readConfig(env);
  const db = createDb(withOutageReporting(env.DB));
  const trust = new SessionTrust({
    confirm: (token) => isLiveSession(db, token, config.sessionMaxAge * 1000),
    boundSeconds: config.sessionRevalidateSeconds,
    memorySeconds: config.sessionMemorySeconds,
  });
  const storage = kvSecondaryStorage(env.SESSION_KV, { trust });
  const auth = createAuth({ env, config, db, storage });
  let fastPath: Promise<FastPath> | undefined;
  return {
    config,
    db,
    storage,
    auth,
    fastPath() {
      if (!fastPath) {
        const ready = auth.$context.then((context) => createFastPath(context, storage, config.sessionMaxAge * 1000));
        ready.catch(() => {
          if (fastPath === ready) fastPath = undefined;
        });
        fastPath = ready;
      }
      return fastPath;
    },
  };
}
