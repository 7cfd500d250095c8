/** The pages' paths, for the code outside `src/pages/` that links to them (mail links, OpenAPI). */

/** Where a verification link leads on success; Better Auth appends `&error=…` when the link fails. */
export const VERIFIED_LANDING = "/verify-email?verified=1";

/** The page a reset link opens, with `?token=…` (or `?error=INVALID_TOKEN`). */
export const RESET_LANDING = "/reset-password";
