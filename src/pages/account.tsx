/**
 * `/account`: the signed-in person's name and address (with its
 * verification state), password, sessions, sign-out and account deletion.
 * Without a session it redirects to `/sign-in`, which returns here.
 * Every form posts to a path of `/account/…` (`account-actions.tsx`).
 */
import type { Context } from "hono";
import type { FC } from "hono/jsx";
import type { SecurityEventsPage } from "../../client/contract";
import { getRuntime } from "../runtime";
import type { SessionUser } from "../types";
import { Activity, type ListedEvent, RECENT_EVENTS } from "./account-activity";
import { type ListedPasskey, Passkeys } from "./account-passkeys";
import { type ListedSession, type Pending, Sessions } from "./account-sessions";
import { type ApiAnswer, callApi, type PageError } from "./api";
import type { PageEnv } from "./headers";
import { ConfirmPassword, ErrorMessage, Field, Hidden, Layout, NewPassword, Notice, PostForm, Username } from "./layout";
import { PASSKEY_SCRIPT } from "./passkey-script";
import { frame, render, seeOther } from "./respond";
import { pageSession } from "./session";
import { SecondFactor, type Shown } from "./two-factor";

/** The account page's sections, where an error is shown. */
export type Section = "profile" | "password" | "two-factor" | "passkeys" | "sessions" | "delete";

/** Confirmations the actions send with `?notice=`. */
const NOTICES: Record<string, string> = {
  "name-saved": "Your name was saved.",
  "verification-sent": "We sent a new verification link to your address.",
  "password-changed": "Your password was changed.",
  "session-ended": "The session was ended: that device is signed out.",
  "sessions-ended": "Every other session was ended.",
  "two-factor-on": "Two-factor authentication is on: signing in now asks for a code.",
  "two-factor-off": "Two-factor authentication is off.",
  "passkey-ready": "Your password is confirmed: add your passkey now.",
  "passkey-added": "Your passkey was added: you can sign in with it.",
  "passkey-removed": "The passkey was removed: it no longer signs you in.",
};

interface AccountProps extends ReturnType<typeof frame> {
  user: SessionUser;
  sessions: ListedSession[];
  events: ListedEvent[] | null;
  passkeys: ListedPasskey[];
  /** The session signed in within `REAUTH_MAX_AGE`: it may add a passkey without confirming the password. */
  recent: boolean;
  notice?: string;
  error?: PageError;
  section?: Section;
  pending?: Pending;
  /** What the second-factor section shows once: a new secret's QR code, new backup codes. */
  shown?: Shown;
}

const Account: FC<AccountProps> = ({ user, sessions, events, passkeys, recent, notice, error, section, pending, shown, ...layout }) => {
  const errorIn = (name: Section) => (section === name ? error : undefined);
  const passwordError = errorIn("password");
  return (
    <Layout {...layout} title="Your account" error={error} wide script={PASSKEY_SCRIPT}>
      {notice && NOTICES[notice] ? <Notice>{NOTICES[notice]}</Notice> : null}
      <section class="card" aria-labelledby="profile-title">
        <h2 id="profile-title">Profile</h2>
        {errorIn("profile") ? <ErrorMessage error={error as PageError} /> : null}
        <dl class="facts">
          <dt>Email address</dt>
          <dd>
            {user.email}
            {user.emailVerified ? <span class="badge ok">Verified</span> : <span class="badge">Not verified</span>}
          </dd>
        </dl>
        {user.emailVerified ? null : (
          <PostForm action="/account/verification">
            <Hidden fields={{ email: user.email }} />
            <p>
              <button type="submit" class="secondary">
                Send a verification link
              </button>
            </p>
          </PostForm>
        )}
        <PostForm action="/account/name">
          <Field name="name" label="Name" autocomplete="name" value={user.name} maxLength={128} />
          <button type="submit">Save name</button>
        </PostForm>
      </section>

      <section class="card" aria-labelledby="password-title">
        <h2 id="password-title">Change your password</h2>
        {passwordError ? <ErrorMessage error={passwordError} /> : null}
        <PostForm action="/account/password">
          <Username email={user.email} />
          <Field
            name="currentPassword"
            label="Current password"
            type="password"
            autocomplete="current-password"
            maxLength={128}
            invalid={passwordError?.code === "INVALID_PASSWORD"}
          />
          <NewPassword
            hint="At least 8 characters."
            invalid={passwordError?.code === "PASSWORD_TOO_SHORT" || passwordError?.code === "PASSWORD_TOO_LONG"}
          />
          <div class="check">
            <input type="checkbox" id="revokeOtherSessions" name="revokeOtherSessions" value="true" />
            <label for="revokeOtherSessions">Sign out my other sessions</label>
          </div>
          <button type="submit">Change password</button>
        </PostForm>
      </section>

      <SecondFactor email={user.email} enabled={user.twoFactorEnabled === true} shown={shown} error={errorIn("two-factor")} />

      <Passkeys passkeys={passkeys} email={user.email} recent={recent} error={errorIn("passkeys")} />

      <Sessions sessions={sessions} email={user.email} error={errorIn("sessions")} pending={pending} />

      {events ? <Activity events={events} /> : null}

      <section class="card" aria-labelledby="delete-title">
        <h2 id="delete-title">Delete your account</h2>
        {errorIn("delete") ? <ErrorMessage error={error as PageError} /> : null}
        <p>This deletes your account and signs out every session. It cannot be undone.</p>
        <PostForm action="/account/delete">
          <Username email={user.email} />
          <ConfirmPassword id="delete-password" invalid={errorIn("delete") !== undefined} />
          <button type="submit" class="danger">
            Delete my account
          </button>
        </PostForm>
      </section>
    </Layout>
  );
};

/** Where a visitor without a session goes: the sign-in form, which returns here. */
export const SIGN_IN_AND_RETURN = `/sign-in?callbackURL=${encodeURIComponent("/account")}`;

/**
 * The user, their sessions and recent events, or `null` without a live
 * session; `cookie` replaces the request's. The page shows without the
 * events when they cannot be read: they are not what the visitor came to do.
 */
async function loadAccount(c: Context<PageEnv>, cookie?: string) {
  const [found, listed, recent, keys] = await Promise.all([
    pageSession(c, cookie),
    callApi<ListedSession[]>(c, "/list-sessions", { cookie }),
    callApi<SecurityEventsPage>(c, `/security-events?limit=${RECENT_EVENTS}`, { cookie }),
    callApi<ListedPasskey[]>(c, "/passkey/list-user-passkeys", { cookie }),
  ]);
  const setCookies = [...found.setCookies, ...listed.setCookies, ...recent.setCookies, ...keys.setCookies];
  if (!found.user || listed.error || !listed.data) return { account: null, setCookies };
  const events = recent.data ? (recent.data.events as unknown as ListedEvent[]) : null;
  const signedInAt = found.session ? new Date(found.session.createdAt).getTime() : 0;
  const fresh = Date.now() - signedInAt <= getRuntime(c.env).config.reauthMaxAge * 1000;
  return { account: { user: found.user, sessions: listed.data, events, passkeys: keys.data ?? [], recent: fresh }, setCookies };
}

/** `GET /account`. */
export async function showAccount(c: Context<PageEnv>) {
  const { account, setCookies } = await loadAccount(c);
  if (!account) return seeOther(c, SIGN_IN_AND_RETURN, { setCookies });
  return render(c, <Account {...frame(c)} {...account} notice={c.req.query("notice")} />, { setCookies });
}

/** The account page with what the second-factor section shows once (after enabling, or new backup codes). */
export async function showAccountWith(c: Context<PageEnv>, shown: Shown, apiCookies: string[]) {
  const { account, setCookies } = await loadAccount(c);
  const cookies = [...apiCookies, ...setCookies];
  if (!account) return seeOther(c, SIGN_IN_AND_RETURN, { setCookies: cookies });
  return render(c, <Account {...frame(c)} {...account} shown={shown} />, { setCookies: cookies });
}

/**
 * The account page again, with the error of a failed action in its section
 * (and the API's status); to `/sign-in` when the session is gone.
 */
export async function accountWithError(
  c: Context<PageEnv>,
  answer: ApiAnswer<unknown>,
  section: Section,
  pending?: Pending,
  cookie?: string,
) {
  const { account, setCookies } = await loadAccount(c, cookie);
  const cookies = [...answer.setCookies, ...setCookies];
  if (!account || answer.error?.code === "UNAUTHORIZED") return seeOther(c, SIGN_IN_AND_RETURN, { setCookies: cookies });
  const page = <Account {...frame(c)} {...account} error={answer.error} section={section} pending={pending} />;
  return render(c, page, { status: answer.status, error: answer.error, setCookies: cookies });
}
