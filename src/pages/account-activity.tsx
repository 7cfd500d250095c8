/**
 * The account page's recent security activity: the newest events of
 * `GET /api/auth/security-events` (docs/activity.md), each with what
 * happened, when, on what device and where.
 */
import type { FC } from "hono/jsx";
import type { SecurityEvent, SecurityEventType } from "../../client/contract";
import { placeName, Time } from "./account-sessions";

/** Events the section shows. */
export const RECENT_EVENTS = 10;

/** An event as the API answers it, in JSON. */
export type ListedEvent = Omit<SecurityEvent, "at"> & { at: string };

const WHAT: Record<SecurityEventType, string> = {
  "sign-up": "Account created",
  "sign-in": "Signed in",
  "sign-in-failed": "Failed sign-in",
  "sign-out": "Signed out",
  "session-revoked": "Session ended",
  reauthenticated: "Password confirmed",
  "password-changed": "Password changed",
  "password-reset": "Password reset",
  "email-verified": "Address verified",
  "lockout-started": "Sign-in paused after failed attempts",
  "new-device-sign-in": "Sign-in from a new device",
  "admin-action": "Changed by an administrator",
  "two-factor-enabled": "Two-factor authentication turned on",
  "two-factor-disabled": "Two-factor authentication turned off",
  "backup-codes-regenerated": "New backup codes made",
  "passkey-added": "Passkey added",
  "passkey-removed": "Passkey removed",
};

/** What an event says in words, with its count when it stands for several. */
export function eventText(event: Pick<ListedEvent, "type" | "count"> & { detail?: ListedEvent["detail"] }): string {
  const passkey = event.type === "sign-in" && event.detail?.method === "passkey";
  const what = passkey ? "Signed in with a passkey" : (WHAT[event.type] ?? event.type);
  return event.count > 1 ? `${what} (${event.count} times)` : what;
}

/** The recent activity section; absent when the events could not be read. */
export const Activity: FC<{ events: ListedEvent[] }> = ({ events }) => (
  <section class="card" aria-labelledby="activity-title">
    <h2 id="activity-title">Recent security activity</h2>
    {events.length === 0 ? (
      <p>Nothing yet.</p>
    ) : (
      <ul class="events">
        {events.map((event) => (
          <li>
            <strong>{eventText(event)}</strong>
            <span class="muted">
              <Time value={event.at} />
              {[event.device, placeName(event), event.ipAddress].filter(Boolean).map((part) => ` · ${part}`)}
            </span>
          </li>
        ))}
      </ul>
    )}
    <p class="muted">If you do not recognise an event, change your password and end the sessions you do not know.</p>
  </section>
);
