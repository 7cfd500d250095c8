/** `/sign-up`: name, email and password, through `POST /api/auth/sign-up/email`. */
import type { Context } from "hono";
import type { FC } from "hono/jsx";
import { callApi, type PageError } from "./api";
import type { PageEnv } from "./headers";
import { ErrorMessage, Field, Layout, PostForm } from "./layout";
import { formOf, frame, render, seeOther, setsSession } from "./respond";
import { pageSession } from "./session";

/** The fields each error concerns. */
const FIELDS_OF: Record<string, string[]> = {
  INVALID_EMAIL: ["email"],
  USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL: ["email"],
  PASSWORD_TOO_SHORT: ["password"],
  PASSWORD_TOO_LONG: ["password"],
};

interface SignUpProps extends ReturnType<typeof frame> {
  name?: string;
  email?: string;
  error?: PageError;
}

const SignUp: FC<SignUpProps> = ({ name, email, error, ...layout }) => {
  const invalid = (field: string) => (error ? (FIELDS_OF[error.code] ?? []).includes(field) : false);
  return (
    <Layout {...layout} title="Create an account" error={error}>
      {error ? <ErrorMessage error={error} /> : null}
      <div class="card">
        <PostForm action="/sign-up">
          <Field name="name" label="Name" autocomplete="name" value={name} maxLength={128} invalid={invalid("name")} />
          <Field
            name="email"
            label="Email address"
            type="email"
            autocomplete="email"
            value={email}
            maxLength={254}
            invalid={invalid("email")}
          />
          <Field
            name="password"
            label="Password"
            type="password"
            autocomplete="new-password"
            minLength={8}
            maxLength={128}
            hint="At least 8 characters."
            invalid={invalid("password")}
          />
          <button type="submit">Create account</button>
        </PostForm>
      </div>
      <p class="links">
        Already have an account? <a href="/sign-in">Sign in</a>
      </p>
    </Layout>
  );
};

/** `GET /sign-up`; a signed-in visitor goes to `/account`. */
export async function showSignUp(c: Context<PageEnv>) {
  const { session, setCookies } = await pageSession(c);
  if (session) return seeOther(c, "/account", { setCookies });
  return render(c, <SignUp {...frame(c)} />);
}

/**
 * `POST /sign-up`. Signed in at once (verification not required) it goes to
 * `/account`; otherwise to `/sign-in`, saying a verification link was mailed.
 */
export async function signUp(c: Context<PageEnv>) {
  const form = await formOf(c, ["name", "email", "password"]);
  const answer = await callApi(c, "/sign-up/email", {
    body: { name: form.name ?? "", email: form.email ?? "", password: form.password ?? "" },
  });
  if (answer.error) return render(c, <SignUp {...frame(c)} name={form.name} email={form.email} error={answer.error} />, answer);
  return seeOther(c, setsSession(answer.setCookies) ? "/account" : "/sign-in?notice=check-inbox", answer);
}
