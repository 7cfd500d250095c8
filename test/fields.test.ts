import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_EMAIL_LENGTH, MAX_IMAGE_URL_LENGTH, MAX_NAME_LENGTH } from "../src/auth/plugin/fields";
import { getRuntime } from "../src/runtime";
import { call, PASSWORD, randomIp, signIn, signUp, uniqueEmail } from "./helpers";

function signUpWith(fields: Record<string, unknown>) {
  return call("/api/auth/sign-up/email", { method: "POST", json: { email: uniqueEmail(), password: PASSWORD, name: "N", ...fields } });
}

async function expectRefused(response: Response, field: string) {
  expect(response.status).toBe(400);
  const body = (await response.json()) as { code: string; message: string };
  expect(body.code).toBe("VALIDATION_ERROR");
  expect(body.message).toContain(`body.${field}`);
}

/** An address of `length` characters. */
function emailOfLength(length: number): string {
  const domain = "@example.com";
  return `${"a".repeat(64)}.${"b".repeat(length - domain.length - 65)}${domain}`;
}

describe("field limits", () => {
  it("refuses an email over 254 characters, wherever one is sent", async () => {
    expect(emailOfLength(MAX_EMAIL_LENGTH + 1)).toHaveLength(255);
    for (const path of ["/api/auth/sign-up/email", "/api/auth/sign-in/email", "/api/auth/request-password-reset"]) {
      const response = await call(path, { method: "POST", json: { email: emailOfLength(300), password: PASSWORD, name: "N" } });
      await expectRefused(response, "email");
    }
    await expectRefused(await signUpWith({ email: emailOfLength(255) }), "email");
  });

  it("refuses a name over the limit at sign-up and update-user, and keeps the stored name", async () => {
    await expectRefused(await signUpWith({ name: "n".repeat(15_000) }), "name");
    await expectRefused(await signUpWith({ name: "n".repeat(MAX_NAME_LENGTH + 1) }), "name");
    expect((await signUpWith({ name: "n".repeat(MAX_NAME_LENGTH) })).status).toBe(200);
    const client = await signUp({ name: "Ada" });
    const update = await call("/api/auth/update-user", {
      method: "POST",
      headers: { authorization: `Bearer ${client.bearer}` },
      json: { name: "n".repeat(MAX_NAME_LENGTH + 1) },
    });
    await expectRefused(update, "name");
    const row = await env.DB.prepare('SELECT name FROM "user" WHERE id = ?').bind(client.userId).first<{ name: string }>();
    expect(row?.name).toBe("Ada");
  });

  it.each([
    ["a javascript: URL", "javascript:alert(1)"],
    ["a data: URL", "data:image/png;base64,AAAA"],
    ["plain http", "http://images.example.com/a.png"],
    ["userinfo", "https://user:pass@images.example.com/a.png"],
    ["not a URL", "not a url"],
    ["an over-long URL", `https://images.example.com/${"a".repeat(MAX_IMAGE_URL_LENGTH)}`],
    ["a number", 42],
  ])("refuses %s as the image", async (_label, image) => {
    await expectRefused(await signUpWith({ image }), "image");
    const client = await signUp();
    const update = await call("/api/auth/update-user", {
      method: "POST",
      headers: { authorization: `Bearer ${client.bearer}` },
      json: { image },
    });
    await expectRefused(update, "image");
  });

  it("accepts an https image, and null to clear it", async () => {
    const client = await signUp();
    for (const image of ["https://images.example.com/ada.png", null]) {
      const update = await call("/api/auth/update-user", {
        method: "POST",
        headers: { authorization: `Bearer ${client.bearer}` },
        json: { image },
      });
      expect(update.status).toBe(200);
    }
  });

  it("refuses passwords that are not well-formed Unicode, so no two such passwords collide", async () => {
    const lone = "\uD800".repeat(8);
    await expectRefused(await signUpWith({ password: lone }), "password");
    const client = await signUp();
    await expectRefused((await signIn(client.email, "\uDFFF".repeat(8))).response, "password");
    const change = await call("/api/auth/change-password", {
      method: "POST",
      headers: { authorization: `Bearer ${client.bearer}` },
      json: { currentPassword: PASSWORD, newPassword: lone },
    });
    await expectRefused(change, "newPassword");
    // Well-formed characters beyond the BMP are fine.
    expect((await signUpWith({ password: "correct horse 🐎 battery staple" })).status).toBe(200);
  });

  it("holds for auth.api calls too", async () => {
    const refused = await getRuntime(env)
      .auth.api.signUpEmail({
        headers: new Headers({ "cf-connecting-ip": randomIp() }),
        body: { email: uniqueEmail(), password: PASSWORD, name: "n".repeat(5000) },
      })
      .catch((error: { statusCode: number; body: { code: string } }) => error);
    expect(refused).toMatchObject({ statusCode: 400, body: { code: "VALIDATION_ERROR" } });
  });
});
