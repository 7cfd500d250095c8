/**
 * Where a request comes from and on what, as Cloudflare saw it: the
 * request's `cf` properties (country, region, city, data centre, timezone,
 * network) and the device label of its User-Agent. Nothing here is read
 * from a header the client chose, except the User-Agent, which is only a
 * label. docs/activity.md.
 */
import { deviceLabel } from "./device";

/** What a session and an event record of their request's origin. */
export interface Whereabouts {
  /** ISO 3166-1 alpha-2 country code, e.g. `PT` (`T1` for Tor). */
  country: string | null;
  /** Region (ISO 3166-2 name), e.g. `Lisbon`. */
  region: string | null;
  city: string | null;
  /** Cloudflare data centre (IATA code), e.g. `LIS`. */
  colo: string | null;
  /** IANA timezone, e.g. `Europe/Lisbon`. */
  timezone: string | null;
  /** Autonomous system number of the client's network. */
  asn: number | null;
  /** The organisation behind that network, e.g. `MEO`. */
  asOrganization: string | null;
  /** "Chrome 131 on macOS" (`device.ts`). */
  device: string | null;
}

/** Longest value kept from a `cf` property: they are short, but nothing bounds what reaches D1 and logs but us. */
const MAX_FIELD = 100;

/**
 * The whereabouts of a request: its `cf` properties (absent for
 * `auth.api.*` calls made with headers only) and its User-Agent.
 *
 * @example
 * ```ts
 * whereabouts(request).country; // "PT"
 * ```
 */
export function whereabouts(request: { cf?: unknown; headers?: Headers } | undefined, headers?: Headers): Whereabouts {
  const cf = (request?.cf && typeof request.cf === "object" ? request.cf : {}) as Record<string, unknown>;
  const userAgent = (headers ?? request?.headers)?.get("user-agent");
  return {
    country: text(cf.country),
    region: text(cf.region),
    city: text(cf.city),
    colo: text(cf.colo),
    timezone: text(cf.timezone),
    asn: typeof cf.asn === "number" && Number.isInteger(cf.asn) && cf.asn >= 0 ? cf.asn : null,
    asOrganization: text(cf.asOrganization),
    device: deviceLabel(userAgent),
  };
}

function text(value: unknown): string | null {
  return typeof value === "string" && value.trim() ? value.trim().slice(0, MAX_FIELD) : null;
}
