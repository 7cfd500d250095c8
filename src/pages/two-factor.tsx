/**
 * Second factors on the pages: the account page's section (turn TOTP on with
 * a QR code drawn here as SVG, confirm it, new backup codes, turn it off) and
 * the sign-in's second step. Each form goes to one `two-factor/*` endpoint.
 * docs/second-factors.md.
 */
import type { Context } from "hono";
import type { FC } from "hono/jsx";
import { renderSVG } from "uqr";
import { TRUST_DEVICE_DAYS } from "../auth/plugin/second-factors";
import { accountWithError, showAccountWith } from "./account";
import { callApi, type PageError } from "./api";
import type { PageEnv } from "./headers";
import { ConfirmPassword, ErrorMessage, Field, Hidden, Layout, PostForm, Username } from "./layout";
import { formOf, frame, render, seeOther } from "./respond";
import { targetOrAccount } from "./session";

/** What the section shows once, right after the API answered it. */
export interface Shown {
  /** The `otpauth://` URI of a secret waiting for its first code. */
  totpURI?: string;
  backupCodes?: string[];
}

/** The secret as an authenticator app takes it typed in: the URI's base32 `secret`. */
function secretOf(uri: string): string {
  return new URL(uri).searchParams.get("secret") ?? "";
}

const BackupCodes: FC<{ codes: string[] }> = ({ codes }) => (
  <div>
    <p>
      <strong>Your backup codes.</strong> Each signs in once when you do not have your phone. Keep them somewhere safe: they are not shown
      again.
    </p>
    <ul class="codes" aria-label="Backup codes">
      {codes.map((code) => (
        <li>
          <code>{code}</code>
        </li>
      ))}
    </ul>
  </div>
);

/** The account page's "Two-factor authentication" section. */
export const SecondFactor: FC<{ email: string; enabled: boolean; shown?: Shown; error?: PageError }> = ({
  email,
  enabled,
  shown,
  error,
}) => (
  <section class="card" aria-labelledby="two-factor-title">
    <h2 id="two-factor-title">Two-factor authentication</h2>
    {error ? <ErrorMessage error={error} /> : null}
    {shown?.totpURI ? (
      <div>
        <p>Scan this code with your authenticator app, then type the six digits it shows.</p>
        <div
          class="qr"
          role="img"
          aria-label="QR code of the secret for your authenticator app"
          dangerouslySetInnerHTML={{ __html: renderSVG(shown.totpURI, { border: 2 }) }}
        />
        <p>
          Or type the secret: <code>{secretOf(shown.totpURI)}</code>
        </p>
        {shown.backupCodes ? <BackupCodes codes={shown.backupCodes} /> : null}
        <PostForm action="/account/two-factor/confirm">
          <Field
            name="code"
            label="Code from the app"
            autocomplete="one-time-code"
            inputmode="numeric"
            maxLength={6}
            invalid={error?.code === "INVALID_CODE"}
          />
          <button type="submit">Turn on</button>
        </PostForm>
      </div>
    ) : enabled ? (
      <div>
        <p>
          <span class="badge ok">On</span> Signing in asks for a code from your authenticator app, or a backup code.
        </p>
        {shown?.backupCodes ? <BackupCodes codes={shown.backupCodes} /> : null}
        <PostForm action="/account/two-factor/backup-codes">
          <Username email={email} />
          <ConfirmPassword id="codes-password" />
          <button type="submit" class="secondary">
            Make new backup codes
          </button>
        </PostForm>
        <PostForm action="/account/two-factor/disable">
          <Username email={email} />
          <ConfirmPassword id="disable-password" />
          <button type="submit" class="danger">
            Turn off
          </button>
        </PostForm>
      </div>
    ) : (
      <div>
        <p>Ask for a code from an authenticator app when you sign in, besides your password.</p>
        <PostForm action="/account/two-factor/enable">
          <Username email={email} />
          <ConfirmPassword id="enable-password" />
          <button type="submit">Set up</button>
        </PostForm>
      </div>
    )}
  </section>
);

/** `POST /account/two-factor/enable`: `password`, through `two-factor/enable`; shows the QR code and the backup codes. */
export async function enableTwoFactor(c: Context<PageEnv>) {
  const { password = "" } = await formOf(c, ["password"]);
  const answer = await callApi<{ totpURI: string; backupCodes: string[] }>(c, "/two-factor/enable", { body: { password } });
  if (answer.error || !answer.data) return accountWithError(c, answer, "two-factor");
  return showAccountWith(c, { totpURI: answer.data.totpURI, backupCodes: answer.data.backupCodes }, answer.setCookies);
}

/** `POST /account/two-factor/confirm`: `code`, through `two-factor/verify-totp`. */
export async function confirmTwoFactor(c: Context<PageEnv>) {
  const { code = "" } = await formOf(c, ["code"]);
  const answer = await callApi(c, "/two-factor/verify-totp", { body: { code } });
  if (answer.error) return accountWithError(c, answer, "two-factor");
  return seeOther(c, "/account?notice=two-factor-on", answer);
}

/** `POST /account/two-factor/backup-codes`: `password`, through `two-factor/generate-backup-codes`; shows them once. */
export async function newBackupCodes(c: Context<PageEnv>) {
  const { password = "" } = await formOf(c, ["password"]);
  const answer = await callApi<{ backupCodes: string[] }>(c, "/two-factor/generate-backup-codes", { body: { password } });
  if (answer.error || !answer.data) return accountWithError(c, answer, "two-factor");
  return showAccountWith(c, { backupCodes: answer.data.backupCodes }, answer.setCookies);
}

/** `POST /account/two-factor/disable`: `password`, through `two-factor/disable`. */
export async function disableTwoFactor(c: Context<PageEnv>) {
  const { password = "" } = await formOf(c, ["password"]);
  const answer = await callApi(c, "/two-factor/disable", { body: { password } });
  if (answer.error) return accountWithError(c, answer, "two-factor");
  return seeOther(c, "/account?notice=two-factor-off", answer);
}

interface StepProps extends ReturnType<typeof frame> {
  backup: boolean;
  callbackURL?: string;
  error?: PageError;
}

const SecondStep: FC<StepProps> = ({ backup, callbackURL, error, ...layout }) => (
  <Layout {...layout} title="Two-factor authentication" error={error}>
    {error ? (
      <ErrorMessage error={error}>
        {error.code === "INVALID_TWO_FACTOR_COOKIE" || error.code === "TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE" ? (
          <p>
            <a href="/sign-in">Sign in again</a>.
          </p>
        ) : null}
      </ErrorMessage>
    ) : null}
    <div class="card">
      <PostForm action="/sign-in/two-factor">
        <Hidden fields={{ callbackURL, method: backup ? "backup" : "totp" }} />
        {backup ? (
          <Field name="code" label="Backup code" autocomplete="off" maxLength={32} invalid={error?.code === "INVALID_BACKUP_CODE"} />
        ) : (
          <Field
            name="code"
            label="Code from your authenticator app"
            autocomplete="one-time-code"
            inputmode="numeric"
            maxLength={6}
            invalid={error?.code === "INVALID_CODE"}
          />
        )}
        <div class="check">
          <input type="checkbox" id="trustDevice" name="trustDevice" value="true" />
          <label for="trustDevice">Trust this device for {TRUST_DEVICE_DAYS} days</label>
        </div>
        <button type="submit">Sign in</button>
      </PostForm>
    </div>
    <p class="links">
      {backup ? (
        <a href={`/sign-in/two-factor${callbackURL ? `?callbackURL=${encodeURIComponent(callbackURL)}` : ""}`}>
          Use your authenticator app
        </a>
      ) : (
        <a href={`/sign-in/two-factor?method=backup${callbackURL ? `&callbackURL=${encodeURIComponent(callbackURL)}` : ""}`}>
          Use a backup code
        </a>
      )}
    </p>
  </Layout>
);

/** `GET /sign-in/two-factor`: the code a sign-in still needs (`?method=backup` for a backup code). */
export function showSecondStep(c: Context<PageEnv>) {
  return render(c, <SecondStep {...frame(c)} backup={c.req.query("method") === "backup"} callbackURL={c.req.query("callbackURL")} />);
}

/** `POST /sign-in/two-factor`: `code`, `trustDevice`, through `two-factor/verify-totp` or `verify-backup-code`. */
export async function secondStep(c: Context<PageEnv>) {
  const form = await formOf(c, ["code", "method", "trustDevice", "callbackURL"]);
  const backup = form.method === "backup";
  const body = { code: (form.code ?? "").trim(), trustDevice: form.trustDevice === "true" };
  const answer = await callApi(c, backup ? "/two-factor/verify-backup-code" : "/two-factor/verify-totp", { body });
  if (answer.error)
    return render(c, <SecondStep {...frame(c)} backup={backup} callbackURL={form.callbackURL} error={answer.error} />, answer);
  return seeOther(c, targetOrAccount(c, form.callbackURL), answer);
}
