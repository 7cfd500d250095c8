/**
 * Better Auth endpoints this service does not offer: social accounts, email
 * change, verify-password (a password oracle outside the account lockout),
 * and the admin plugin's endpoints beyond users, sessions and bans
 * (docs/administration.md). They answer `404 NOT_FOUND`, over HTTP and
 * through `auth.api.*`.
 */
import { createAuthMiddleware } from "better-auth/api";
import { apiError } from "../../errors";
import type { Hook } from "./context";

/** The endpoint paths, as Better Auth names them. */
export const NOT_OFFERED = new Set([
  "/verify-password",
  "/update-session",
  "/change-email",
  "/sign-in/social",
  "/callback/:id",
  "/link-social",
  "/unlink-account",
  "/list-accounts",
  "/account-info",
  "/get-access-token",
  "/refresh-token",
  "/delete-user/callback",
  // Codes by mail or SMS: no sender is configured; TOTP and backup codes are the second factors.
  "/two-factor/send-otp",
  "/two-factor/verify-otp",
  // Acting as another user: a session of theirs that the user never signed in to.
  "/admin/impersonate-user",
  "/admin/stop-impersonating",
  // Accounts, roles and passwords are the users' own and ADMIN_EMAILS's, not an admin's to set.
  "/admin/create-user",
  "/admin/set-role",
  "/admin/set-user-password",
  "/admin/update-user",
  "/admin/remove-user",
  // Answers from Better Auth's role statements (impersonation, user creation, ...), not from what is offered here.
  "/admin/has-permission",
]);

/** Refuses calls to the endpoints in {@link NOT_OFFERED} (HTTP requests are refused before routing, in `http.ts`). */
export const notOffered: Hook = {
  matcher: (ctx) => ctx.path !== undefined && NOT_OFFERED.has(ctx.path),
  handler: createAuthMiddleware(async () => {
    throw apiError("NOT_FOUND");
  }),
};
