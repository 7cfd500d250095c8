/** Rules on accounts: deleting one takes the password, and a half-written sign-up does not block its address. */
import { createAuthMiddleware } from "better-auth/api";
import type { Db } from "../../db/client";
import { apiError } from "../../errors";
import { deleteAbandonedUser } from "../../housekeeping/abandoned-users";
import { bodyString, type Hook } from "./context";

/**
 * Deleting an account is irreversible: it takes the password, however
 * recently the session signed in (Better Auth accepts a session younger
 * than a day alone).
 */
export const passwordToDeleteUser: Hook = {
  matcher: (ctx) => ctx.path === "/delete-user",
  handler: createAuthMiddleware(async (ctx) => {
    if (!bodyString(ctx, "password")) throw apiError("PASSWORD_REQUIRED", { message: "Confirm account deletion with your password" });
  }),
};

/**
 * A sign-up for an email whose earlier sign-up D1 left half-written starts
 * afresh (`housekeeping/abandoned-users.ts`).
 */
export function clearAbandonedSignUp(db: Db): Hook {
  return {
    matcher: (ctx) => ctx.path === "/sign-up/email",
    handler: createAuthMiddleware(async (ctx) => {
      const email = bodyString(ctx, "email");
      if (email) await deleteAbandonedUser(db, email);
    }),
  };
}
