/**
 * The account page's forms, each posting to a path of `/account/…` and
 * sent on to one API endpoint with the form's fields as its body. Success
 * redirects (303) back with a notice; a failure shows the account page
 * with the error in the form's section.
 */
import type { Context } from "hono";
import { accountWithError, type Section } from "./account";
import type { Pending } from "./account-sessions";
import { type ApiAnswer, callApi, cookiesAfter } from "./api";
import type { PageEnv } from "./headers";
import { formOf, seeOther } from "./respond";

/** Sends a form on to `path`; `done` says where to go after success. */
async function act(c: Context<PageEnv>, path: string, body: Record<string, unknown>, section: Section, done: string) {
  const answer = await callApi(c, path, { body });
  if (answer.error) return accountWithError(c, answer, section);
  return seeOther(c, done, answer);
}

/** `POST /account/name`: `name`, through `update-user`. */
export async function saveName(c: Context<PageEnv>) {
  const { name = "" } = await formOf(c, ["name"]);
  return act(c, "/update-user", { name }, "profile", "/account?notice=name-saved");
}

/** `POST /account/verification`: `email`, through `send-verification-email`. */
export async function sendVerification(c: Context<PageEnv>) {
  const { email = "" } = await formOf(c, ["email"]);
  return act(c, "/send-verification-email", { email }, "profile", "/account?notice=verification-sent");
}

/** `POST /account/password`: `currentPassword`, `newPassword`, `revokeOtherSessions`, through `change-password`. */
export async function changePassword(c: Context<PageEnv>) {
  const form = await formOf(c, ["currentPassword", "newPassword", "revokeOtherSessions"]);
  const body = {
    currentPassword: form.currentPassword ?? "",
    newPassword: form.newPassword ?? "",
    revokeOtherSessions: form.revokeOtherSessions === "true",
  };
  return act(c, "/change-password", body, "password", "/account?notice=password-changed");
}

/** `POST /account/sign-out`, through `sign-out`. */
export async function signOut(c: Context<PageEnv>) {
  return act(c, "/sign-out", {}, "sessions", "/sign-in?notice=signed-out");
}

/** `POST /account/delete`: `password`, through `delete-user`. */
export async function deleteAccount(c: Context<PageEnv>) {
  const { password = "" } = await formOf(c, ["password"]);
  return act(c, "/delete-user", { password }, "delete", "/sign-in?notice=account-deleted");
}

/** `POST /account/sessions/end`: `token` (a handle), through `revoke-session`. */
export async function endSession(c: Context<PageEnv>) {
  const { token = "" } = await formOf(c, ["token"]);
  return finishSessionAction(c, { next: "end", token });
}

/** `POST /account/sessions/end-others`, through `revoke-other-sessions`. */
export async function endOtherSessions(c: Context<PageEnv>) {
  return finishSessionAction(c, { next: "end-others" });
}

/**
 * `POST /account/reauthenticate`: `password`, through `reauthenticate`, then
 * the session action that asked for it (`next`, `token`) with the new session.
 */
export async function reauthenticate(c: Context<PageEnv>) {
  const form = await formOf(c, ["password", "next", "token"]);
  const pending: Pending | undefined =
    form.next === "end" || form.next === "end-others" ? { next: form.next, token: form.token } : undefined;
  const answer = await callApi(c, "/reauthenticate", { body: { password: form.password ?? "" } });
  // Adding a passkey asked for it: the section now offers to add one.
  if (form.next === "passkey") {
    if (answer.error) return accountWithError(c, answer, "passkeys");
    return seeOther(c, "/account?notice=passkey-ready#passkeys", answer);
  }
  if (answer.error) return accountWithError(c, answer, "sessions", pending);
  const cookie = cookiesAfter(c.req.header("cookie"), answer.setCookies);
  if (!pending) return seeOther(c, "/account", answer);
  return finishSessionAction(c, pending, { cookie, setCookies: answer.setCookies });
}

/** Ends one session or all others; on `REAUTHENTICATION_REQUIRED`, the page asks for the password first. */
async function finishSessionAction(c: Context<PageEnv>, pending: Pending, after?: { cookie: string; setCookies: string[] }) {
  const answer: ApiAnswer<unknown> =
    pending.next === "end"
      ? await callApi(c, "/revoke-session", { body: { token: pending.token ?? "" }, cookie: after?.cookie })
      : await callApi(c, "/revoke-other-sessions", { body: {}, cookie: after?.cookie });
  const setCookies = [...(after?.setCookies ?? []), ...answer.setCookies];
  if (answer.error) {
    const ask = answer.error.code === "REAUTHENTICATION_REQUIRED" ? pending : undefined;
    return accountWithError(c, { ...answer, setCookies }, "sessions", ask, after?.cookie);
  }
  // Ending one's own session clears its cookie: that is a sign-out.
  const ownEnded = answer.setCookies.some((line) => /session_token=;|max-age=0/i.test(line));
  return seeOther(
    c,
    ownEnded ? "/sign-in?notice=signed-out" : `/account?notice=${pending.next === "end" ? "session-ended" : "sessions-ended"}`,
    {
      setCookies,
    },
  );
}
