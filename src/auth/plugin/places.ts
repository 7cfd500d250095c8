/**
 * Where a session was signed in from: Cloudflare locates every request's
 * address (`request.cf`), and the session keeps the city and country as its
 * `place` ("Lisbon, Portugal"), so the account page can show it beside the
 * IP. Nothing is looked up later; a call without a request (`auth.api.*`
 * without one) leaves it empty.
 */
import type { BetterAuthOptions } from "better-auth";

type SessionHooks = NonNullable<NonNullable<BetterAuthOptions["databaseHooks"]>["session"]>;
type CreateBefore = NonNullable<NonNullable<SessionHooks["create"]>["before"]>;

/** The plugin's `session.place` field: set by the Worker, never by a client. */
export const PLACE_FIELD = { place: { type: "string", required: false, input: false } } as const;

const countries = new Intl.DisplayNames(["en"], { type: "region", fallback: "code" });

/**
 * "City, Country" for a request Cloudflare located, or `null`.
 *
 * @example
 * ```ts
 * placeOf(request); // "Lisbon, Portugal"
 * ```
 */
export function placeOf(request: Request | undefined): string | null {
  const cf = request?.cf as { city?: unknown; country?: unknown } | undefined;
  const city = typeof cf?.city === "string" ? cf.city : "";
  const code = typeof cf?.country === "string" && /^[A-Z]{2}$/.test(cf.country) ? cf.country : "";
  // T1 is Tor, XX unknown: no country to name.
  const country = code && code !== "T1" && code !== "XX" ? (countries.of(code) ?? code) : "";
  const place = [city, country].filter(Boolean).join(", ");
  return place ? place.slice(0, 128) : null;
}

/**
 * `hooks` with a new session's `place` set from the request that creates it.
 *
 * @example
 * ```ts
 * databaseHooks: { session: withPlaces(sessionLifetimes(config, context)) }
 * ```
 */
export function withPlaces(hooks: SessionHooks): SessionHooks {
  const before = hooks.create?.before;
  const located: CreateBefore = async (session, ctx) => {
    const changed = before ? await before(session, ctx) : undefined;
    if (changed === false) return false;
    const data = changed && typeof changed === "object" && "data" in changed ? changed.data : session;
    return { data: { ...data, place: placeOf(ctx?.request) } };
  };
  return { ...hooks, create: { ...hooks.create, before: located } };
}
