import type { D1Migration } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    interface Env {
      /** The SQL files in migrations/, applied by test/setup/apply-migrations.ts. */
      TEST_MIGRATIONS: D1Migration[];
      /** The example consumer Worker (examples/protected-worker), bound to this Worker's AuthService. */
      EXAMPLE: Fetcher;
    }
  }
}
