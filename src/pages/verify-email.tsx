/**
 * `/verify-email`: where the mailed verification link lands (Better Auth's
 * `GET /api/auth/verify-email` redirects here, with `?error=` when the link
 * expired or is not valid), and the form that mails a new link
 * (`POST /api/auth/send-verification-email`).
 */
import type { Context } from "hono";
import type { FC } from "hono/jsx";
import { callApi, type PageError } from "./api";
import type { PageEnv } from "./headers";
import { ErrorMessage, Field, Layout, Notice, PostForm } from "./layout";
import { formOf, frame, render, seeOther } from "./respond";
import { pageSession } from "./session";

type Outcome = "verified" | "expired" | "invalid" | "sent" | "ask";

interface VerifyProps extends ReturnType<typeof frame> {
  outcome: Outcome;
  signedIn: boolean;
  email?: string;
  error?: PageError;
}

const TITLES: Record<Outcome, string> = {
  verified: "Your email address is verified",
  expired: "This verification link has expired",
  invalid: "This verification link does not work",
  sent: "Check your inbox",
  ask: "Verify your email address",
};

const Verify: FC<VerifyProps> = ({ outcome, signedIn, email, error, ...layout }) => (
  <Layout {...layout} title={TITLES[outcome]} error={error}>
    {outcome === "verified" ? (
      <div class="card">
        <p>Thank you: your address is confirmed.</p>
        <p>{signedIn ? <a href="/account">Go to your account</a> : <a href="/sign-in">Sign in</a>}</p>
      </div>
    ) : (
      <>
        {outcome === "sent" ? <Notice>If the address has an account that is not verified yet, we sent it a new link.</Notice> : null}
        {error ? <ErrorMessage error={error} /> : null}
        <div class="card">
          <p>
            {outcome === "expired" || outcome === "invalid"
              ? "A verification link works for an hour. Ask for a new one and use the newest mail."
              : "We mail a link to confirm your address. Did it not come? Ask for a new one."}
          </p>
          <PostForm action="/verify-email">
            <Field name="email" label="Email address" type="email" autocomplete="email" value={email} maxLength={254} invalid={!!error} />
            <button type="submit">Send a new link</button>
          </PostForm>
        </div>
        <p class="links">
          <a href="/sign-in">Back to sign in</a>
        </p>
      </>
    )}
  </Layout>
);

function outcomeOf(query: { error?: string; verified?: string; notice?: string }): Outcome {
  if (query.error) return query.error === "TOKEN_EXPIRED" ? "expired" : "invalid";
  if (query.verified) return "verified";
  return query.notice === "sent" ? "sent" : "ask";
}

/** `GET /verify-email`. */
export async function showVerifyEmail(c: Context<PageEnv>) {
  const { user, setCookies } = await pageSession(c);
  const outcome = outcomeOf(c.req.query());
  return render(c, <Verify {...frame(c)} outcome={outcome} signedIn={!!user} email={user?.email} />, { setCookies });
}

/** `POST /verify-email`: `email`. */
export async function sendVerificationEmail(c: Context<PageEnv>) {
  const form = await formOf(c, ["email"]);
  const answer = await callApi(c, "/send-verification-email", { body: { email: form.email ?? "" } });
  if (answer.error) {
    return render(c, <Verify {...frame(c)} outcome="ask" signedIn={false} email={form.email} error={answer.error} />, answer);
  }
  return seeOther(c, "/verify-email?notice=sent", answer);
}
