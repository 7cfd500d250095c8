/**
 * New-device alerts: a sign-in from a device (its label without version)
 * and country the account has not signed up or in from within
 * `NEW_DEVICE_WINDOW_DAYS` mails the user, at most
 * {@link MAX_ALERTS_PER_HOUR} times an hour. docs/activity.md, "New-device alerts".
 */
import type { Config } from "../config";
import type { Db } from "../db/client";
import { type Mailer, newDeviceMail } from "../mail";
import { deviceFamily } from "./device";
import { countSince, type EventRow, placesSince } from "./store";

/** Alert mails per account per hour, at most: a stolen password tried from many places must not flood the inbox. */
export const MAX_ALERTS_PER_HOUR = 3;

/** The events that make a device known to an account. */
const KNOWN_FROM = ["sign-up", "sign-in", "reauthenticated"] as const;

/**
 * Whether the sign-in `row` (not yet written) comes from a device new to
 * its account; if so, whether an alert may go out (`mail`: fewer than
 * {@link MAX_ALERTS_PER_HOUR} new devices in the last hour) and how to send
 * it. An account with no sign-in in the window has nothing to compare with
 * and gets no alert: its first recorded sign-in starts its history.
 *
 * @example
 * ```ts
 * const alert = await newDeviceCheck(db, { mailer, config }, row);
 * if (alert?.mail) await alert.send("ada@example.com", "https://auth.example.com");
 * ```
 */
export async function newDeviceCheck(
  db: Db,
  options: { mailer: Mailer; config: Pick<Config, "newDeviceWindowDays"> },
  row: EventRow,
): Promise<{ mail: boolean; send(to: string, origin: string | null): Promise<void> } | null> {
  const since = row.at - options.config.newDeviceWindowDays * 86_400_000;
  const places = await placesSince(db, row.userId, since, KNOWN_FROM);
  if (places.length === 0) return null;
  const family = deviceFamily(row.device);
  if (places.some((place) => deviceFamily(place.device) === family && place.country === row.country)) return null;
  const recent = await countSince(db, row.userId, "new-device-sign-in", row.at - 3_600_000);
  return {
    mail: recent < MAX_ALERTS_PER_HOUR,
    async send(to, origin) {
      const place = [row.city, row.country].filter(Boolean).join(", ") || null;
      await options.mailer.send(
        newDeviceMail(
          to,
          { device: row.device, place, ipAddress: row.ipAddress, at: new Date(row.at), sessionId: row.sessionId ?? "" },
          origin,
        ),
      );
    },
  };
}
