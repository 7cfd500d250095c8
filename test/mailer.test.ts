import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { outboxMailer, readOutbox, resetPasswordMail, sendEmailMailer, verificationMail } from "../src/mail";
import { wrapBinding } from "./helpers";

describe("mailer", () => {
  it("the send_email transport hands the whole message to the EMAIL binding", async () => {
    const sent: unknown[] = [];
    const email = wrapBinding(env.EMAIL, {
      send: ((message: Parameters<SendEmail["send"]>[0]) => {
        sent.push(message);
        return env.EMAIL.send(message);
      }) as SendEmail["send"],
    });
    const url = "https://auth.example.com/api/auth/verify-email?token=t";
    await sendEmailMailer(email, "no-reply@example.com").send(verificationMail("ada@example.com", url, "t"));
    expect(sent).toEqual([
      { from: "no-reply@example.com", to: "ada@example.com", subject: "Verify your email address", text: expect.stringContaining(url) },
    ]);
  });

  it("the outbox keeps messages per recipient, case-insensitively", async () => {
    const to = `Mixed-${crypto.randomUUID()}@Example.com`;
    await outboxMailer.send(verificationMail(to, "https://x/verify", "v"));
    await outboxMailer.send(resetPasswordMail(to, "https://x/reset", "r"));
    expect(readOutbox(to.toLowerCase())).toHaveLength(2);
    expect(readOutbox(to, "reset-password").map((mail) => mail.token)).toEqual(["r"]);
  });
});
