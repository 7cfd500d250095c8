/**
 * Bounds on what users write: an address a mail can go to, a name and an
 * image URL that fit in every session copy and RPC answer, and passwords
 * that are well-formed Unicode. docs/security.md, "Fields".
 */
import { createAuthMiddleware } from "better-auth/api";
import { apiError } from "../../errors";
import type { Hook } from "./context";

/** RFC 5321's limit on a forward path, less the angle brackets. */
export const MAX_EMAIL_LENGTH = 254;
/** A display name; it travels in every session copy and RPC answer. */
export const MAX_NAME_LENGTH = 128;
/** An image URL: https, and no longer than this. */
export const MAX_IMAGE_URL_LENGTH = 2048;

/** Body fields that hold a password. */
const PASSWORD_FIELDS = ["password", "newPassword", "currentPassword"];

/**
 * Refuses, with `400 VALIDATION_ERROR` naming the field, an email over 254
 * characters, a name over 128, an image that is not an https URL of at most
 * 2048 characters (`null` clears it), and a password that is not well-formed
 * Unicode: lone surrogates all encode as U+FFFD, so two different such
 * passwords would hash alike.
 */
export const fieldLimits: Hook = {
  matcher: (ctx) => ctx.body !== undefined && ctx.body !== null && typeof ctx.body === "object",
  handler: createAuthMiddleware(async (ctx) => {
    const body = ctx.body as Record<string, unknown>;
    const invalid = (field: string, message: string) => apiError("VALIDATION_ERROR", { message: `[body.${field}] ${message}` });
    if (typeof body.email === "string" && body.email.length > MAX_EMAIL_LENGTH) {
      throw invalid("email", `Too long: at most ${MAX_EMAIL_LENGTH} characters`);
    }
    if (typeof body.name === "string" && body.name.length > MAX_NAME_LENGTH) {
      throw invalid("name", `Too long: at most ${MAX_NAME_LENGTH} characters`);
    }
    if (body.image !== undefined && body.image !== null && !isImageUrl(body.image)) {
      throw invalid("image", `Expected an https URL of at most ${MAX_IMAGE_URL_LENGTH} characters`);
    }
    for (const field of PASSWORD_FIELDS) {
      const value = body[field];
      if (typeof value === "string" && !value.isWellFormed()) throw invalid(field, "Not well-formed Unicode (a lone surrogate)");
    }
  }),
};

function isImageUrl(value: unknown): boolean {
  if (typeof value !== "string" || value.length > MAX_IMAGE_URL_LENGTH) return false;
  try {
    const url = new URL(value);
    return url.protocol === "https:" && url.username === "" && url.password === "";
  } catch {
    return false;
  }
}
