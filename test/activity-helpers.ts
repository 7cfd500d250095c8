import { env } from "cloudflare:workers";
import type { CfProperties } from "./helpers";

/** A row of `auth_event`, as D1 holds it. */
export interface EventRow {
  id: string;
  user_id: string | null;
  type: string;
  count: number;
  session_id: string | null;
  ip_address: string | null;
  user_agent: string | null;
  device: string | null;
  country: string | null;
  city: string | null;
  detail: string | null;
  created_at: number;
}

/** The user's security events in D1, oldest first. */
export async function eventRows(userId: string): Promise<EventRow[]> {
  const { results } = await env.DB.prepare("SELECT * FROM auth_event WHERE user_id = ? ORDER BY created_at, id")
    .bind(userId)
    .all<EventRow>();
  return results;
}

/**
 * The user's events once `done` holds for them (events are written after
 * the response, through waitUntil); throws with what there was after ten seconds.
 */
export async function eventsWhen(userId: string, done: (rows: EventRow[]) => boolean): Promise<EventRow[]> {
  let rows: EventRow[] = [];
  const deadline = Date.now() + 10_000;
  for (;;) {
    rows = await eventRows(userId);
    if (done(rows)) return rows;
    if (Date.now() > deadline) throw new Error(`events not as expected: ${JSON.stringify(rows.map((row) => [row.type, row.detail]))}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Cloudflare's view of a request from Lisbon, on MEO's network. */
export const LISBON: CfProperties = {
  country: "PT",
  region: "Lisbon",
  city: "Lisbon",
  colo: "LIS",
  timezone: "Europe/Lisbon",
  asn: 3243,
  asOrganization: "MEO",
};

/** And one from New York. */
export const NEW_YORK: CfProperties = {
  country: "US",
  region: "New York",
  city: "New York",
  colo: "EWR",
  timezone: "America/New_York",
  asn: 7922,
  asOrganization: "Comcast",
};

export const CHROME_MAC =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
export const FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
