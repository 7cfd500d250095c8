/** `/sign-in`: email and password, through `POST /api/auth/sign-in/email`. */
import type { Context } from "hono";
import type { FC } from "hono/jsx";
import { callApi, type PageError } from "./api";
import type { PageEnv } from "./headers";
import { ErrorMessage, Field, Hidden, Layout, Notice, PostForm } from "./layout";
import { PASSKEY_SCRIPT } from "./passkey-script";
import { type Answer, formOf, frame, render, seeOther } from "./respond";
import { pageSession, targetOrAccount } from "./session";

/** Confirmations other pages send here with `?notice=`. */
const NOTICES: Record<string, string> = {
  "check-inbox": "We sent you a link to verify your email address. Open it, then sign in.",
  "password-reset": "Your password was changed and every session signed out. Sign in with the new password.",
  "signed-out": "You are signed out.",
  "account-deleted": "Your account was deleted.",
};

interface SignInProps extends ReturnType<typeof frame> {
  callbackURL?: string;
  email?: string;
  notice?: string;
  error?: PageError;
}

const SignIn: FC<SignInProps> = ({ callbackURL, email, notice, error, ...layout }) => {
  const wrongCredentials = error?.code === "INVALID_EMAIL_OR_PASSWORD";
  return (
    <Layout {...layout} title="Sign in" error={error} script={PASSKEY_SCRIPT}>
      {notice && NOTICES[notice] ? <Notice>{NOTICES[notice]}</Notice> : null}
      {error ? (
        <ErrorMessage error={error}>
          {error.code === "EMAIL_NOT_VERIFIED" ? <p>Open the link we mailed you first, or ask for a new one below.</p> : null}
        </ErrorMessage>
      ) : null}
      <div class="card">
        <PostForm action="/sign-in">
          <Hidden fields={{ callbackURL }} />
          <Field
            name="email"
            label="Email address"
            type="email"
            autocomplete="email"
            value={email}
            maxLength={254}
            invalid={wrongCredentials || error?.code === "INVALID_EMAIL"}
          />
          <Field
            name="password"
            label="Password"
            type="password"
            autocomplete="current-password"
            maxLength={128}
            invalid={wrongCredentials}
          />
          <button type="submit">Sign in</button>
        </PostForm>
      </div>
      <div class="card" hidden>
        <div class="alert" id="passkey-error" role="alert" tabindex={-1} hidden />
        <p>Or, without your address and password:</p>
        <button type="button" class="secondary" data-passkey="sign-in">
          Sign in with a passkey
        </button>
      </div>
      {error?.code === "EMAIL_NOT_VERIFIED" && email ? (
        <PostForm action="/verify-email">
          <Hidden fields={{ email }} />
          <button type="submit" class="secondary">
            Send a new verification link
          </button>
        </PostForm>
      ) : null}
      <p class="links">
        <a href="/forgot-password">Forgot your password?</a> · <a href="/sign-up">Create an account</a>
      </p>
    </Layout>
  );
};

/** `GET /sign-in`; a signed-in visitor goes on to `callbackURL` or `/account`. */
export async function showSignIn(c: Context<PageEnv>) {
  const callbackURL = c.req.query("callbackURL");
  const { session, setCookies } = await pageSession(c);
  if (session) return seeOther(c, targetOrAccount(c, callbackURL), { setCookies });
  return render(c, <SignIn {...frame(c)} callbackURL={callbackURL} notice={c.req.query("notice")} />, { setCookies });
}

/** `POST /sign-in`: `email`, `password` and `callbackURL`, as the API takes them. */
export async function signIn(c: Context<PageEnv>) {
  const form = await formOf(c, ["email", "password", "callbackURL"]);
  const answer = await callApi<{ url?: string; twoFactorRedirect?: boolean }>(c, "/sign-in/email", {
    body: { email: form.email ?? "", password: form.password ?? "", ...(form.callbackURL && { callbackURL: form.callbackURL }) },
  });
  if (answer.error) return failed(c, answer, form);
  // The password was right; the session waits for the second factor.
  if (answer.data?.twoFactorRedirect) {
    const next = form.callbackURL ? `?callbackURL=${encodeURIComponent(form.callbackURL)}` : "";
    return seeOther(c, `/sign-in/two-factor${next}`, answer);
  }
  return seeOther(c, answer.data?.url ?? "/account", answer);
}

function failed(c: Context<PageEnv>, answer: Answer & { error?: PageError }, form: { email?: string; callbackURL?: string }) {
  return render(c, <SignIn {...frame(c)} email={form.email} callbackURL={form.callbackURL} error={answer.error} />, answer);
}
