/**
 * The account pages: server-rendered HTML forms over the API, for people
 * rather than programs. docs/pages.md describes them.
 */
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { AUTH_BODY_LIMIT_BYTES } from "../auth/plugin/http";
import { errorResponse } from "../errors";
import { showAccount } from "./account";
import {
  changePassword,
  deleteAccount,
  endOtherSessions,
  endSession,
  reauthenticate,
  saveName,
  sendVerification,
  signOut,
} from "./account-actions";
import { removePasskey } from "./account-passkeys";
import { type PageEnv, pageHeaders } from "./headers";
import { forgotPassword, resetPassword, showForgotPassword, showResetPassword } from "./passwords";
import { showSignIn, signIn } from "./sign-in";
import { showSignUp, signUp } from "./sign-up";
import { confirmTwoFactor, disableTwoFactor, enableTwoFactor, newBackupCodes, secondStep, showSecondStep } from "./two-factor";
import { sendVerificationEmail, showVerifyEmail } from "./verify-email";

type Handler = (c: Context<PageEnv>) => Response | Promise<Response>;

export interface PageRoute {
  method: "GET" | "POST";
  path: string;
  summary: string;
  /** The API endpoint a form is sent on to (below `/api/auth`), and the form's fields: its body's names. */
  api?: { path: string; fields: string[] };
  /** Fields of the page's own, with what they say. */
  extra?: Record<string, string>;
  handler: Handler;
}

/** Every page route: the app's routes below, the OpenAPI document's "Pages" (src/openapi/). */
export const PAGE_ROUTES: PageRoute[] = [
  { method: "GET", path: "/", summary: "Leads to the account page (or to sign-in)", handler: (c) => c.redirect("/account", 303) },
  { method: "GET", path: "/sign-in", summary: "The sign-in form", handler: showSignIn },
  {
    method: "POST",
    path: "/sign-in",
    summary: "Sign in",
    api: { path: "/sign-in/email", fields: ["email", "password", "callbackURL"] },
    handler: signIn,
  },
  { method: "GET", path: "/sign-in/two-factor", summary: "The second step of a sign-in: a code", handler: showSecondStep },
  {
    method: "POST",
    path: "/sign-in/two-factor",
    summary: "Finish a sign-in with a TOTP or backup code",
    api: { path: "/two-factor/verify-totp", fields: ["code", "trustDevice"] },
    extra: {
      method: '"totp" (default) or "backup": which code; "backup" sends it to two-factor/verify-backup-code',
      callbackURL: "Where to go after",
    },
    handler: secondStep,
  },
  { method: "GET", path: "/sign-up", summary: "The sign-up form", handler: showSignUp },
  {
    method: "POST",
    path: "/sign-up",
    summary: "Create an account",
    api: { path: "/sign-up/email", fields: ["name", "email", "password"] },
    handler: signUp,
  },
  { method: "GET", path: "/forgot-password", summary: "The form that asks for a reset link", handler: showForgotPassword },
  {
    method: "POST",
    path: "/forgot-password",
    summary: "Mail a reset link",
    api: { path: "/request-password-reset", fields: ["email"] },
    handler: forgotPassword,
  },
  { method: "GET", path: "/reset-password", summary: "The page a reset link opens", handler: showResetPassword },
  {
    method: "POST",
    path: "/reset-password",
    summary: "Set a new password",
    api: { path: "/reset-password", fields: ["token", "newPassword"] },
    handler: resetPassword,
  },
  { method: "GET", path: "/verify-email", summary: "Where a verification link lands", handler: showVerifyEmail },
  {
    method: "POST",
    path: "/verify-email",
    summary: "Mail a new verification link",
    api: { path: "/send-verification-email", fields: ["email"] },
    handler: sendVerificationEmail,
  },
  { method: "GET", path: "/account", summary: "The account page", handler: showAccount },
  { method: "POST", path: "/account/name", summary: "Change the name", api: { path: "/update-user", fields: ["name"] }, handler: saveName },
  {
    method: "POST",
    path: "/account/verification",
    summary: "Mail a verification link",
    api: { path: "/send-verification-email", fields: ["email"] },
    handler: sendVerification,
  },
  {
    method: "POST",
    path: "/account/password",
    summary: "Change the password",
    api: { path: "/change-password", fields: ["currentPassword", "newPassword", "revokeOtherSessions"] },
    handler: changePassword,
  },
  {
    method: "POST",
    path: "/account/two-factor/enable",
    summary: "Set up TOTP: shows its QR code and the backup codes",
    api: { path: "/two-factor/enable", fields: ["password"] },
    handler: enableTwoFactor,
  },
  {
    method: "POST",
    path: "/account/two-factor/confirm",
    summary: "Turn TOTP on with a first code",
    api: { path: "/two-factor/verify-totp", fields: ["code"] },
    handler: confirmTwoFactor,
  },
  {
    method: "POST",
    path: "/account/two-factor/backup-codes",
    summary: "Make new backup codes",
    api: { path: "/two-factor/generate-backup-codes", fields: ["password"] },
    handler: newBackupCodes,
  },
  {
    method: "POST",
    path: "/account/two-factor/disable",
    summary: "Turn two-factor authentication off",
    api: { path: "/two-factor/disable", fields: ["password"] },
    handler: disableTwoFactor,
  },
  {
    method: "POST",
    path: "/account/sessions/end",
    summary: "End one session",
    api: { path: "/revoke-session", fields: ["token"] },
    handler: endSession,
  },
  {
    method: "POST",
    path: "/account/sessions/end-others",
    summary: "End every other session",
    api: { path: "/revoke-other-sessions", fields: [] },
    handler: endOtherSessions,
  },
  {
    method: "POST",
    path: "/account/reauthenticate",
    summary: "Confirm the password, then end the session(s) that asked for it",
    api: { path: "/reauthenticate", fields: ["password"] },
    extra: {
      next: '"end" or "end-others": the action to finish; "passkey": back to the account page to add a passkey',
      token: "The handle of the session to end",
    },
    handler: reauthenticate,
  },
  {
    method: "POST",
    path: "/account/passkeys/remove",
    summary: "Remove a passkey",
    api: { path: "/passkey/delete-passkey", fields: ["id"] },
    handler: removePasskey,
  },
  { method: "POST", path: "/account/sign-out", summary: "Sign out", api: { path: "/sign-out", fields: [] }, handler: signOut },
  {
    method: "POST",
    path: "/account/delete",
    summary: "Delete the account",
    api: { path: "/delete-user", fields: ["password"] },
    handler: deleteAccount,
  },
];

/**
 * The pages' routes, mounted at the root.
 *
 * @example
 * ```ts
 * app.route("/", pageRoutes);
 * ```
 */
export const pageRoutes = new Hono<PageEnv>();

// Forms are small; the API takes 16 KiB.
const formLimit = bodyLimit({ maxSize: AUTH_BODY_LIMIT_BYTES, onError: () => errorResponse("PAYLOAD_TOO_LARGE") });

for (const path of new Set(PAGE_ROUTES.map((route) => route.path))) pageRoutes.use(path, pageHeaders());
for (const route of PAGE_ROUTES) {
  if (route.method === "GET") pageRoutes.get(route.path, route.handler);
  else pageRoutes.post(route.path, formLimit, route.handler);
}
