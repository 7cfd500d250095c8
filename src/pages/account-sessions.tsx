/**
 * The account page's sessions: each with its device, place, IP, when it
 * signed in and was last used, "this device" marked first, a button to end
 * it, and one to end all others. Ending another session needs a recent
 * sign-in: after `403 REAUTHENTICATION_REQUIRED` the section asks for the
 * password (`POST /api/auth/reauthenticate`) and then finishes the action.
 */
import type { FC } from "hono/jsx";
import { deviceLabel } from "../activity/device";
import type { PageError } from "./api";
import { ConfirmPassword, ErrorMessage, Hidden, PostForm, Username } from "./layout";

/** A session as `GET /api/auth/list-sessions` lists it: `token` is a handle (`sh_…`), never a credential. */
export interface ListedSession {
  id: string;
  token: string;
  ipAddress?: string | null;
  userAgent?: string | null;
  /** Where and on what it signed in (`activity/where.ts`). */
  device?: string | null;
  city?: string | null;
  country?: string | null;
  createdAt: string;
  updatedAt: string;
  current?: boolean;
}

/** What to do once the password is confirmed: end one session (by handle) or all the others. */
export interface Pending {
  next: "end" | "end-others";
  token?: string;
}

/** A time, in UTC on the server; the page script shows it in the reader's time zone. */
export const Time: FC<{ value: string }> = ({ value }) => {
  const date = new Date(value);
  const text = Number.isNaN(date.getTime()) ? value : `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
  return (
    <time datetime={value} data-local="">
      {text}
    </time>
  );
};

const countries = new Intl.DisplayNames(["en"], { type: "region", fallback: "code" });

/**
 * "City, Country" of a session's sign-in, or `null` when Cloudflare did not locate it.
 *
 * @example
 * ```ts
 * placeName({ city: "Lisbon", country: "PT" }); // "Lisbon, Portugal"
 * ```
 */
export function placeName(session: Pick<ListedSession, "city" | "country">): string | null {
  const code = session.country && /^[A-Z]{2}$/.test(session.country) ? session.country : "";
  // T1 is Tor, XX unknown: no country to name.
  const country = code && code !== "T1" && code !== "XX" ? (countries.of(code) ?? code) : "";
  return [session.city, country].filter(Boolean).join(", ") || null;
}

const SessionItem: FC<{ session: ListedSession }> = ({ session }) => {
  const device = session.device ?? deviceLabel(session.userAgent) ?? "Unknown device";
  return (
    <li>
      <h3>
        {device}
        {session.current ? <span class="badge ok">This device</span> : null}
      </h3>
      <dl class="facts">
        <dt>Place</dt>
        <dd>{placeName(session) ?? "Unknown"}</dd>
        <dt>IP address</dt>
        <dd>{session.ipAddress ?? "Unknown"}</dd>
        <dt>Signed in</dt>
        <dd>
          <Time value={session.createdAt} />
        </dd>
        <dt>Last used</dt>
        <dd>
          <Time value={session.updatedAt} />
        </dd>
      </dl>
      {session.current ? (
        <PostForm action="/account/sign-out">
          <button type="submit" class="secondary">
            Sign out
          </button>
        </PostForm>
      ) : (
        <PostForm action="/account/sessions/end">
          <Hidden fields={{ token: session.token }} />
          <button type="submit" class="secondary" aria-label={`End this session: ${device}, ${session.ipAddress ?? "unknown address"}`}>
            End this session
          </button>
        </PostForm>
      )}
    </li>
  );
};

/** The sessions section. */
export const Sessions: FC<{ sessions: ListedSession[]; email: string; error?: PageError; pending?: Pending }> = ({
  sessions,
  email,
  error,
  pending,
}) => {
  const ordered = [...sessions].sort((a, b) => Number(!!b.current) - Number(!!a.current) || b.updatedAt.localeCompare(a.updatedAt));
  return (
    <section class="card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Where you are signed in</h2>
      {error ? <ErrorMessage error={error} /> : null}
      {pending ? (
        <PostForm action="/account/reauthenticate">
          <Hidden fields={{ next: pending.next, token: pending.token }} />
          <Username email={email} />
          <ConfirmPassword id="reauth-password" invalid={error?.code === "INVALID_PASSWORD"} />
          <button type="submit">Confirm and continue</button>
        </PostForm>
      ) : null}
      <ul class="sessions">
        {ordered.map((session) => (
          <SessionItem session={session} />
        ))}
      </ul>
      {sessions.length > 1 ? (
        <PostForm action="/account/sessions/end-others">
          <button type="submit" class="secondary">
            Sign out all other sessions
          </button>
        </PostForm>
      ) : null}
    </section>
  );
};
