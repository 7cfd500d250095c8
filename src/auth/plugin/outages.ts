/**
 * Storage outages and the error table, for every endpoint, whether called
 * over HTTP or through `auth.api.*`.
 */
import { createAuthMiddleware, isAPIError } from "better-auth/api";
import { outagesOfRequest } from "../../db/outage";
import { apiError, conforming } from "../../errors";
import { logError } from "../../log";
import type { Hook } from "./context";

/**
 * A call that met a D1 or KV failure answers `503 SERVICE_UNAVAILABLE`, even
 * where Better Auth carried on (sign-out swallows a failed delete), and
 * sets no cookie and hands out no token: the client can retry as it was.
 */
export const outageIsUnavailable: Hook = {
  matcher: () => true,
  handler: createAuthMiddleware(async (ctx) => {
    const [outage] = await outagesOfRequest();
    if (!outage) return;
    logError(`${outage.store} unavailable on ${ctx.path}`, outage.cause);
    ctx.context.responseHeaders?.delete("set-cookie");
    ctx.context.responseHeaders?.delete("set-auth-token");
    throw apiError("SERVICE_UNAVAILABLE");
  }),
};

/** Every error answers with a code of the table (`client/contract.ts`), and that code's status. */
export const conformingErrors: Hook = {
  matcher: () => true,
  handler: createAuthMiddleware(async (ctx) => {
    const returned = ctx.context.returned;
    if (!isAPIError(returned)) return;
    const answer = conforming(returned);
    if (answer !== returned) throw answer;
  }),
};
