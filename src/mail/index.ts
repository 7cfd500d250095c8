/**
 * Outgoing mail: verification and password-reset links, and new-device alerts.
 *
 * Two transports behind one interface: the development outbox, which prints
 * the link to the `wrangler dev` console and keeps the last messages in
 * memory for tests, and Cloudflare's `send_email` binding for production.
 */
import type { Config } from "../config";

export type MailKind = "verify-email" | "reset-password" | "new-device";

interface MailBase {
  to: string;
  subject: string;
  text: string;
}

/** A mail with a single-use link. */
export interface LinkMail<K extends MailKind> extends MailBase {
  kind: K;
  /** The link the recipient follows. */
  url: string;
  /** The single-use token inside `url`, for API clients that post it back themselves. */
  token: string;
}

/** A mail that only tells: a sign-in from a new device (`activity/alerts.ts`). */
export interface NoticeMail extends MailBase {
  kind: "new-device";
}

export type Mail = LinkMail<"verify-email"> | LinkMail<"reset-password"> | NoticeMail;

/** The mail of one kind. */
export type MailOf<K extends MailKind> = Extract<Mail, { kind: K }>;

export interface Mailer {
  send(mail: Mail): Promise<void>;
}

/** Messages the outbox keeps, newest last. */
const OUTBOX_LIMIT = 100;
const outbox: Mail[] = [];

/**
 * Development transport: logs the link and keeps the message in this isolate.
 *
 * @example
 * ```ts
 * await outboxMailer.send(mail); // console: "[outbox] verify-email for ada@example.com: http://…"
 * ```
 */
export const outboxMailer: Mailer = {
  async send(mail) {
    outbox.push(mail);
    if (outbox.length > OUTBOX_LIMIT) outbox.shift();
    console.log(`[outbox] ${mail.kind} for ${mail.to}: ${"url" in mail ? mail.url : mail.subject}`);
  },
};

/** The outbox's messages for one recipient, newest last (tests and local debugging). */
export function readOutbox(to: string): Mail[];
export function readOutbox<K extends MailKind>(to: string, kind: K): MailOf<K>[];
export function readOutbox(to: string, kind?: MailKind): Mail[] {
  const address = to.toLowerCase();
  return outbox.filter((mail) => mail.to.toLowerCase() === address && (!kind || mail.kind === kind));
}

/**
 * Production transport over Cloudflare's `send_email` binding.
 *
 * @example
 * ```ts
 * const mailer = sendEmailMailer(env.EMAIL, "no-reply@example.com");
 * ```
 */
export function sendEmailMailer(binding: SendEmail, from: string): Mailer {
  return {
    async send(mail) {
      await binding.send({ from, to: mail.to, subject: mail.subject, text: mail.text });
    },
  };
}

/** Picks the transport that `MAIL_TRANSPORT` names. */
export function createMailer(config: Config, env: Env): Mailer {
  return config.mailTransport === "send_email" ? sendEmailMailer(env.EMAIL, config.mailFrom) : outboxMailer;
}

/** The mail for a verification link. */
export function verificationMail(to: string, url: string, token: string): MailOf<"verify-email"> {
  return {
    kind: "verify-email",
    to,
    url,
    token,
    subject: "Verify your email address",
    text: `Confirm your email address by opening this link:\n\n${url}\n\nIf you did not sign up, ignore this message.`,
  };
}

/** The mail for a password-reset link. */
export function resetPasswordMail(to: string, url: string, token: string): MailOf<"reset-password"> {
  return {
    kind: "reset-password",
    to,
    url,
    token,
    subject: "Reset your password",
    text: `Choose a new password by opening this link:\n\n${url}\n\nThe link works once and expires in one hour. If you did not ask for it, ignore this message.`,
  };
}

/** What a new-device alert says about the sign-in. */
export interface NewDeviceSignIn {
  device: string | null;
  /** "Lisbon, Lisbon, PT", or `null` when Cloudflare gave no location. */
  place: string | null;
  ipAddress: string | null;
  at: Date;
  sessionId: string;
}

/**
 * The mail for a sign-in from a device the account has not used recently;
 * with `origin`, it links to the pages that reset the password and end sessions.
 */
export function newDeviceMail(to: string, signIn: NewDeviceSignIn, origin: string | null = null): MailOf<"new-device"> {
  return {
    kind: "new-device",
    to,
    subject: "New sign-in to your account",
    text: [
      "Your account was just signed in to from a device it has not used recently:",
      "",
      `  Device: ${signIn.device ?? "unknown"}`,
      `  Where: ${signIn.place ?? "unknown"}${signIn.ipAddress ? ` (IP address ${signIn.ipAddress})` : ""}`,
      `  When: ${signIn.at.toUTCString()}`,
      "",
      "If this was you, there is nothing to do.",
      "If it was not: reset your password now, which ends every session,",
      `or end this session from your list of sessions (session ${signIn.sessionId}) and then change your password.`,
      ...(origin ? ["", `  Reset your password: ${origin}/forgot-password`, `  Your sessions: ${origin}/account`] : []),
    ].join("\n"),
  };
}
