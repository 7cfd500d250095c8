/**
 * Mail links open the Worker's own pages unless the call names another
 * target: the verification link lands on `/verify-email` (which says the
 * address is verified, or that the link expired and offers a new one), and
 * the reset link on `/reset-password` with its token. A `callbackURL` or
 * `redirectTo` given by the caller is kept, and checked like any other
 * (`redirects.ts`). docs/pages.md.
 */
import { createAuthMiddleware } from "better-auth/api";
import { RESET_LANDING, VERIFIED_LANDING } from "../../pages/paths";
import type { Hook } from "./context";

/** The body field that names each mailing endpoint's link target, and the page it defaults to. */
const DEFAULT_TARGETS: Record<string, { field: string; target: string }> = {
  "/sign-up/email": { field: "callbackURL", target: VERIFIED_LANDING },
  "/send-verification-email": { field: "callbackURL", target: VERIFIED_LANDING },
  "/request-password-reset": { field: "redirectTo", target: RESET_LANDING },
};

/**
 * Gives the endpoints that mail a link the page it opens, when the body names none.
 *
 * @example
 * ```ts
 * hooks: { before: [mailLinksToPages, redirectTargets] }
 * ```
 */
export const mailLinksToPages: Hook = {
  matcher: (ctx) => ctx.path !== undefined && Object.hasOwn(DEFAULT_TARGETS, ctx.path),
  handler: createAuthMiddleware(async (ctx) => {
    const { field, target } = DEFAULT_TARGETS[ctx.path as string] as { field: string; target: string };
    const body = ctx.body as Record<string, unknown> | undefined;
    if (!body || typeof body !== "object") return;
    // Better Auth treats an empty target as none; anything else is the caller's, checked as given.
    if (body[field] !== undefined && body[field] !== null && body[field] !== "") return;
    // Resolved as redirects.ts resolves a path: Better Auth receives absolute URLs only.
    return { context: { body: { ...body, [field]: new URL(target, new URL(ctx.context.baseURL).origin).href } } };
  }),
};
