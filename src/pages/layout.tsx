/**
 * The frame of every page and the parts of its forms: labels tied to their
 * fields, errors announced and tied to the fields they concern, the fields'
 * `autocomplete` purposes (WCAG 2.2 AA: 1.3.1, 1.3.5, 3.3.1, 3.3.2, 4.1.2).
 */

import { raw } from "hono/html";
import type { Child, FC, PropsWithChildren } from "hono/jsx";
import type { PageError } from "./api";
import { PAGE_SCRIPT } from "./script";
import { stylesFor } from "./styles";

export interface LayoutProps {
  /** The page's `<title>` and `<h1>`. */
  title: string;
  appName: string;
  accentColor: string;
  nonce: string;
  /** The error shown on the page, if any: the title then starts with "Error:". */
  error?: PageError;
  /** A wider column (the account page). */
  wide?: boolean;
  /** A script of the page's own, after the pages' one. */
  script?: string;
}

/** The document around a page's content. */
export const Layout: FC<PropsWithChildren<LayoutProps>> = ({ title, appName, accentColor, nonce, error, wide, script, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="color-scheme" content="light dark" />
      <title>{`${error ? "Error: " : ""}${title} – ${appName}`}</title>
      <link rel="icon" href="data:," />
      <style nonce={nonce}>{raw(stylesFor(accentColor))}</style>
    </head>
    <body class={wide ? "wide" : undefined}>
      <header class="site">{appName}</header>
      <main>
        <h1>{title}</h1>
        {children}
      </main>
      <script nonce={nonce}>{raw(PAGE_SCRIPT + (script ?? ""))}</script>
    </body>
  </html>
);

/** The id of the error message, for `aria-describedby`. */
export const ERROR_ID = "form-error";

/** When to try again after a 429, in words. */
export function retryText(seconds: number): string {
  if (seconds < 90) return `Try again in ${seconds} second${seconds === 1 ? "" : "s"}.`;
  const minutes = Math.ceil(seconds / 60);
  return `Try again in ${minutes} minutes.`;
}

/** An error: the code's message from the table, when to retry after a 429, and anything the page adds. */
export const ErrorMessage: FC<PropsWithChildren<{ error: PageError; id?: string }>> = ({ error, id = ERROR_ID, children }) => (
  <div class="alert" id={id} role="alert" tabindex={-1} data-code={error.code}>
    <strong>{error.message}</strong>
    {error.retryAfter !== undefined ? ` ${retryText(error.retryAfter)}` : null}
    {children}
  </div>
);

/** A confirmation after a completed action. */
export const Notice: FC<PropsWithChildren> = ({ children }) => (
  <div class="notice" role="status">
    {children}
  </div>
);

export interface FieldProps {
  name: string;
  label: string;
  type?: "text" | "email" | "password";
  autocomplete: string;
  value?: string;
  hint?: string;
  /** The field the error concerns: marked invalid and described by the error. */
  invalid?: boolean;
  required?: boolean;
  minLength?: number;
  maxLength?: number;
  /** Set when one page holds several fields of the same name. */
  id?: string;
  /** The keyboard to offer: `numeric` for codes. */
  inputmode?: "numeric";
}

/** A labelled input. */
export const Field: FC<FieldProps> = ({
  name,
  label,
  type = "text",
  autocomplete,
  value,
  hint,
  invalid,
  required = true,
  minLength,
  maxLength,
  id,
  inputmode,
}) => {
  const fieldId = id ?? name;
  const describedBy = [invalid ? ERROR_ID : "", hint ? `${fieldId}-hint` : ""].filter(Boolean).join(" ");
  return (
    <div class="field">
      <label for={fieldId}>{label}</label>
      <input
        id={fieldId}
        name={name}
        type={type}
        autocomplete={autocomplete}
        value={type === "password" ? undefined : value}
        required={required}
        minlength={minLength}
        maxlength={maxLength}
        inputmode={inputmode}
        aria-invalid={invalid ? "true" : undefined}
        aria-describedby={describedBy || undefined}
        spellcheck={type === "text" ? undefined : false}
      />
      {hint ? (
        <p class="hint" id={`${fieldId}-hint`}>
          {hint}
        </p>
      ) : null}
    </div>
  );
};

/** Better Auth's password lengths (its `emailAndPassword` defaults), which the API enforces. */
const PASSWORD_LENGTH = { min: 8, max: 128 };

/** The account's password, confirming an action ("Your password"); `id` tells several on one page apart. */
export const ConfirmPassword: FC<{ id: string; invalid?: boolean }> = ({ id, invalid }) => (
  <Field
    id={id}
    name="password"
    label="Your password"
    type="password"
    autocomplete="current-password"
    maxLength={PASSWORD_LENGTH.max}
    invalid={invalid}
  />
);

/** A new password (`newPassword`), with what the page says of it. */
export const NewPassword: FC<{ hint: string; invalid?: boolean }> = ({ hint, invalid }) => (
  <Field
    name="newPassword"
    label="New password"
    type="password"
    autocomplete="new-password"
    minLength={PASSWORD_LENGTH.min}
    maxLength={PASSWORD_LENGTH.max}
    hint={hint}
    invalid={invalid}
  />
);

/** A form that posts to a page path. */
export const PostForm: FC<PropsWithChildren<{ action: string; class?: string }>> = ({ action, children, ...rest }) => (
  <form method="post" action={action} class={rest.class}>
    {children}
  </form>
);

/**
 * The account's address for password managers, in a form that asks only for
 * a password: not shown, not sent (it has no name).
 */
export const Username: FC<{ email: string }> = ({ email }) => <input type="email" autocomplete="username" value={email} hidden readonly />;

/** Hidden inputs, skipping empty values. */
export const Hidden: FC<{ fields: Record<string, string | undefined> }> = ({ fields }) => (
  <>{Object.entries(fields).map(([name, value]) => (value ? <input type="hidden" name={name} value={value} /> : null))}</>
);

export type { Child };
