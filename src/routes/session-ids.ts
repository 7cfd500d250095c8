/**
 * Sessions by id rather than by token.
 *
 * Better Auth's list-sessions returns every session's token, and
 * revoke-session takes one. A token in a JSON body is a token any script on
 * the page can read and send elsewhere, which defeats the HttpOnly cookie. So
 * list-sessions answers without tokens, and revoke-session also accepts the
 * session `id` that list-sessions shows.
 */
import { and, eq } from "drizzle-orm";
import { getRuntime } from "../auth";
import { lookupSession } from "../auth/validate";
import { session } from "../db/schema";

/** Removes `token` from each session in a list-sessions answer. */
export function withoutTokens(data: unknown): unknown {
  if (!Array.isArray(data)) return data;
  return data.map((entry: unknown) => {
    if (!entry || typeof entry !== "object") return entry;
    const { token: _token, ...rest } = entry as Record<string, unknown>;
    return rest;
  });
}

export type RevokeTarget = { kind: "token"; body: unknown } | { kind: "unknown-id" } | { kind: "unauthenticated" };

/**
 * Turns a revoke-session body of `{ id }` into `{ token }` for the caller's
 * own session with that id. Bodies that already carry a token pass as they are.
 */
export async function resolveRevokeTarget(env: Env, headers: Headers, body: unknown): Promise<RevokeTarget> {
  if (!body || typeof body !== "object" || !("id" in body) || "token" in body) return { kind: "token", body };
  const id = body.id;
  if (typeof id !== "string" || id.length === 0) return { kind: "token", body };
  const current = await lookupSession(env, headers);
  if (!current.user) return { kind: "unauthenticated" };
  const [row] = await getRuntime(env)
    .db.select({ token: session.token })
    .from(session)
    .where(and(eq(session.id, id), eq(session.userId, current.user.id)))
    .limit(1);
  return row ? { kind: "token", body: { token: row.token } } : { kind: "unknown-id" };
}
