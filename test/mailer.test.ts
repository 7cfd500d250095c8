import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { outboxMailer, readOutbox, resetPasswordMail, sendEmailMailer, verificationMail } from "../src/mail";

describe("mailer", () => {
  it("the send_email transport hands the message to the EMAIL binding", async () => {
    const mail = verificationMail("ada@example.com", "https://auth.example.com/api/auth/verify-email?token=t", "t");
    await expect(sendEmailMailer(env.EMAIL, "no-reply@example.com").send(mail)).resolves.toBeUndefined();
  });


  it("the outbox keeps messages per recipient, case-insensitively", async () => {
    const to = `Mixed-${crypto.randomUUID()}@Example.com`;
    await outboxMailer.send(verificationMail(to, "https://x/verify", "v"));
    await outboxMailer.send(resetPasswordMail(to, "https://x/reset", "r"));
    expect(readOutbox(to.toLowerCase())).toHaveLength(2);
    expect(readOutbox(to, "reset-password").map((mail) => mail.token)).toEqual(["r"]);
  });
});
