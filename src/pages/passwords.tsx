/**
 * `/forgot-password` (`POST /api/auth/request-password-reset`) and
 * `/reset-password`, the page the mailed link opens with its `token`
 * (`POST /api/auth/reset-password`). The reset page's URL holds the token,
 * so it sends no `Referer` (`headers.ts`).
 */
import type { Context } from "hono";
import type { FC } from "hono/jsx";
import { callApi, type PageError } from "./api";
import type { PageEnv } from "./headers";
import { ErrorMessage, Field, Hidden, Layout, NewPassword, Notice, PostForm } from "./layout";
import { formOf, frame, render, seeOther } from "./respond";

interface ForgotProps extends ReturnType<typeof frame> {
  email?: string;
  sent?: boolean;
  error?: PageError;
}

const ForgotPassword: FC<ForgotProps> = ({ email, sent, error, ...layout }) => (
  <Layout {...layout} title="Forgot your password?" error={error}>
    {sent ? (
      <Notice>If an account uses that address, we sent it a link to choose a new password. The link works once, within an hour.</Notice>
    ) : null}
    {error ? <ErrorMessage error={error} /> : null}
    <div class="card">
      <p>Enter the address you signed up with and we will mail you a link to choose a new password.</p>
      <PostForm action="/forgot-password">
        <Field name="email" label="Email address" type="email" autocomplete="email" value={email} maxLength={254} invalid={!!error} />
        <button type="submit">Send the link</button>
      </PostForm>
    </div>
    <p class="links">
      <a href="/sign-in">Back to sign in</a>
    </p>
  </Layout>
);

/** `GET /forgot-password`. */
export function showForgotPassword(c: Context<PageEnv>) {
  return render(c, <ForgotPassword {...frame(c)} sent={c.req.query("notice") === "sent"} />);
}

/** `POST /forgot-password`: `email`. The mailed link opens `/reset-password` (`auth/plugin/mail-links.ts`). */
export async function forgotPassword(c: Context<PageEnv>) {
  const form = await formOf(c, ["email"]);
  const answer = await callApi(c, "/request-password-reset", { body: { email: form.email ?? "" } });
  if (answer.error) return render(c, <ForgotPassword {...frame(c)} email={form.email} error={answer.error} />, answer);
  return seeOther(c, "/forgot-password?notice=sent", answer);
}

interface ResetProps extends ReturnType<typeof frame> {
  token?: string;
  error?: PageError;
}

const ResetPassword: FC<ResetProps> = ({ token, error, ...layout }) => {
  if (!token || error?.code === "INVALID_TOKEN") {
    return (
      <Layout {...layout} title="This reset link does not work" error={error}>
        {error ? <ErrorMessage error={error} /> : null}
        <div class="card">
          <p>A reset link works once, within an hour of asking for it. Ask for a new one and use the newest mail.</p>
          <p>
            <a href="/forgot-password">Ask for a new link</a>
          </p>
        </div>
      </Layout>
    );
  }
  const passwordError = error?.code === "PASSWORD_TOO_SHORT" || error?.code === "PASSWORD_TOO_LONG";
  return (
    <Layout {...layout} title="Choose a new password" error={error}>
      {error ? <ErrorMessage error={error} /> : null}
      <div class="card">
        <PostForm action="/reset-password">
          <Hidden fields={{ token }} />
          <NewPassword hint="At least 8 characters. Every device signed in to your account will be signed out." invalid={passwordError} />
          <button type="submit">Set the new password</button>
        </PostForm>
      </div>
    </Layout>
  );
};

/** `GET /reset-password?token=…` (or `?error=INVALID_TOKEN`, where Better Auth sends an expired link). */
export function showResetPassword(c: Context<PageEnv>) {
  const token = c.req.query("error") ? undefined : c.req.query("token");
  return render(c, <ResetPassword {...frame(c)} token={token} />);
}

/** `POST /reset-password`: `token` and `newPassword`. Every session ends; the person signs in again. */
export async function resetPassword(c: Context<PageEnv>) {
  const form = await formOf(c, ["token", "newPassword"]);
  const answer = await callApi(c, "/reset-password", { body: { token: form.token ?? "", newPassword: form.newPassword ?? "" } });
  if (answer.error) return render(c, <ResetPassword {...frame(c)} token={form.token} error={answer.error} />, answer);
  return seeOther(c, "/sign-in?notice=password-reset", answer);
}
