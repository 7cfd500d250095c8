// BETTER_AUTH_SECRETS is an optional secret (set during a rotation). wrangler.toml's
// [secrets] lists required ones only (wrangler deploy refuses to deploy without them),
// so `wrangler types` cannot declare it; it is declared here, once. src/config.ts reads it.

interface Env {
  /** Versioned secrets, `<version>:<secret>,...`, current first (docs/security.md, "Rotating the secret"). */
  BETTER_AUTH_SECRETS?: string;
}

declare namespace Cloudflare {
  interface Env {
    /** Versioned secrets, `<version>:<secret>,...`, current first (docs/security.md, "Rotating the secret"). */
    BETTER_AUTH_SECRETS?: string;
  }
}
