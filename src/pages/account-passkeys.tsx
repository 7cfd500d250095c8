/**
 * The account page's "Passkeys" section: the user's passkeys, each with a
 * form that removes it (no JavaScript needed), and adding one, which needs
 * the browser's WebAuthn and so the page script (`passkey-script.ts`).
 * docs/second-factors.md, "Passkeys".
 */
import type { Context } from "hono";
import type { FC } from "hono/jsx";
import { accountWithError } from "./account";
import { Time } from "./account-sessions";
import { callApi, type PageError } from "./api";
import type { PageEnv } from "./headers";
import { ConfirmPassword, ErrorMessage, Field, Hidden, PostForm, Username } from "./layout";
import { formOf, seeOther } from "./respond";

/** A passkey as `passkey/list-user-passkeys` answers it, in JSON. */
export interface ListedPasskey {
  id: string;
  name?: string | null;
  createdAt: string;
}

/** The id of the section's alert for errors the script reports. */
const SCRIPT_ERROR_ID = "passkey-error";

/**
 * The section. `recent`: the session signed in within `REAUTH_MAX_AGE`, as
 * adding a passkey requires; otherwise it asks for the password first.
 */
export const Passkeys: FC<{ passkeys: ListedPasskey[]; email: string; recent: boolean; error?: PageError }> = ({
  passkeys,
  email,
  recent,
  error,
}) => (
  <section class="card" id="passkeys" aria-labelledby="passkeys-title">
    <h2 id="passkeys-title">Passkeys</h2>
    {error ? <ErrorMessage error={error} /> : null}
    <p>A passkey signs you in with your device's screen lock or a security key, without your password or a code.</p>
    {passkeys.length === 0 ? (
      <p>You have no passkeys.</p>
    ) : (
      <ul class="passkeys" aria-label="Your passkeys">
        {passkeys.map((passkey) => {
          const name = passkey.name || "Passkey";
          return (
            <li>
              <h3>{name}</h3>
              <p class="muted">
                Added <Time value={passkey.createdAt} />
              </p>
              <PostForm action="/account/passkeys/remove">
                <Hidden fields={{ id: passkey.id }} />
                <button type="submit" class="danger" aria-label={`Remove the passkey ${name}`}>
                  Remove
                </button>
              </PostForm>
            </li>
          );
        })}
      </ul>
    )}
    {recent ? (
      <form class="passkey-add" data-passkey="register" hidden>
        <div class="alert" id={SCRIPT_ERROR_ID} role="alert" tabindex={-1} hidden />
        <Field name="name" id="passkey-name" label="Name for the new passkey" autocomplete="off" maxLength={64} required={false} />
        <button type="submit">Add a passkey</button>
      </form>
    ) : (
      <PostForm action="/account/reauthenticate">
        <p>To add a passkey, confirm your password first.</p>
        <Username email={email} />
        <Hidden fields={{ next: "passkey" }} />
        <ConfirmPassword id="passkey-password" />
        <button type="submit" class="secondary">
          Confirm password
        </button>
      </PostForm>
    )}
    <noscript>
      <p>Adding a passkey needs JavaScript.</p>
    </noscript>
  </section>
);

/** `POST /account/passkeys/remove`: `id`, through `passkey/delete-passkey`. */
export async function removePasskey(c: Context<PageEnv>) {
  const { id = "" } = await formOf(c, ["id"]);
  const answer = await callApi(c, "/passkey/delete-passkey", { body: { id } });
  if (answer.error) return accountWithError(c, answer, "passkeys");
  return seeOther(c, "/account?notice=passkey-removed#passkeys", answer);
}
