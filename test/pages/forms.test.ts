import { describe, expect, it } from "vitest";
import { call, callWith, latestMail, PASSWORD, signUp, uniqueEmail } from "../helpers";
import { PageVisitor, textOf } from "./visitor";

describe("sign-in and sign-up pages", () => {
  it("sign in through the form: a session cookie and a redirect to the account page", async () => {
    const user = await signUp();
    const visitor = new PageVisitor();
    const response = await visitor.post("/sign-in", { email: user.email, password: PASSWORD });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/account");
    expect(visitor.sessionToken).not.toBe("");
    expect((await visitor.get("/account")).status).toBe(200);
  });

  it("returns to a callbackURL the API accepts, and refuses one it does not", async () => {
    const user = await signUp();
    const back = await new PageVisitor().post("/sign-in", { email: user.email, password: PASSWORD, callbackURL: "/account?tab=1" });
    expect(back.headers.get("location")).toBe("https://auth.example.com/account?tab=1");
    const evil = new PageVisitor();
    const refused = await evil.post("/sign-in", { email: user.email, password: PASSWORD, callbackURL: "https://evil.example/" });
    expect(refused.status).toBe(403);
    expect(await textOf(refused)).toContain("Invalid callbackURL");
    expect(evil.sessionToken).toBe("");
  });

  it("shows the code's message for a wrong password, with the API's status, and keeps the email", async () => {
    const user = await signUp();
    const response = await new PageVisitor().post("/sign-in", { email: user.email, password: "not the password" });
    expect(response.status).toBe(401);
    const html = await response.text();
    expect(html).toContain("<title>Error: Sign in");
    expect(html).toContain('data-code="INVALID_EMAIL_OR_PASSWORD"');
    expect(html).toContain("Invalid email or password");
    expect(html).toContain(`value="${user.email}"`);
    expect(html).toMatch(/id="password"[^>]*aria-invalid="true"[^>]*aria-describedby="form-error"/);
  });

  it("says when to try again after a lockout (429), with Retry-After", async () => {
    const user = await signUp();
    const visitor = new PageVisitor();
    let response: Response | undefined;
    for (let attempt = 0; attempt < 6; attempt += 1) response = await visitor.post("/sign-in", { email: user.email, password: "wrong" });
    expect(response?.status).toBe(429);
    expect(Number(response?.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await textOf(response as Response)).toMatch(/Too many failed sign-ins for this account; retry later Try again in \d+ seconds\./);
  });

  it("keeps the API's origin rules: a cross-site form cannot sign anyone in", async () => {
    const user = await signUp();
    const visitor = new PageVisitor({ origin: "https://evil.example" });
    const response = await visitor.post("/sign-in", { email: user.email, password: PASSWORD });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('data-code="INVALID_ORIGIN"');
    expect(visitor.sessionToken).toBe("");
  });

  it("sign up: signed in at once when verification is not required", async () => {
    const visitor = new PageVisitor();
    const response = await visitor.post("/sign-up", { name: "Ada", email: uniqueEmail(), password: PASSWORD });
    expect(response.headers.get("location")).toBe("/account");
    expect(visitor.sessionToken).not.toBe("");
  });

  it("shows a too-short password as the code's message, tied to the field", async () => {
    const response = await new PageVisitor().post("/sign-up", { name: "Ada", email: uniqueEmail(), password: "short" });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain("Password too short");
    expect(html).toMatch(/id="password"[^>]*aria-invalid="true"/);
  });
});

describe("mail links open the pages", () => {
  it("sign-up's verification link lands on a page that says the address is verified", async () => {
    const email = uniqueEmail();
    const visitor = new PageVisitor();
    const verifying = { REQUIRE_EMAIL_VERIFICATION: "true" } as Partial<Env>;
    const signedUp = await callWith(verifying, "/sign-up", {
      method: "POST",
      body: new URLSearchParams({ name: "Ada", email, password: PASSWORD }),
      headers: { origin: "https://auth.example.com", "sec-fetch-site": "same-origin" },
    });
    expect(signedUp.headers.get("location")).toBe("/sign-in?notice=check-inbox");
    const mail = await latestMail(email, "verify-email");
    expect(new URL(mail.url).searchParams.get("callbackURL")).toBe("https://auth.example.com/verify-email?verified=1");
    const landing = await visitor.get(mail.url);
    expect(landing.status).toBe(302);
    const page = await visitor.get(landing.headers.get("location") ?? "");
    expect(await textOf(page)).toContain("Your email address is verified");
  });

  it("a link that does not verify lands on a page that offers a new one", async () => {
    const visitor = new PageVisitor();
    const landing = await visitor.get(
      `/api/auth/verify-email?token=nonsense&callbackURL=${encodeURIComponent("/verify-email?verified=1")}`,
    );
    const location = landing.headers.get("location") ?? "";
    expect(location).toContain("error=INVALID_TOKEN");
    const text = await textOf(await visitor.get(location));
    expect(text).toContain("This verification link does not work");
    expect(text).toContain("Send a new link");
    const resent = await visitor.post("/verify-email", { email: uniqueEmail() });
    expect(resent.headers.get("location")).toBe("/verify-email?notice=sent");
  });

  it("a reset link without redirectTo opens /reset-password with its token, and the form sets the password", async () => {
    const user = await signUp();
    const visitor = new PageVisitor();
    expect((await visitor.post("/forgot-password", { email: user.email })).headers.get("location")).toBe("/forgot-password?notice=sent");
    const mail = await latestMail(user.email, "reset-password");
    const landing = await visitor.get(mail.url);
    const location = new URL(landing.headers.get("location") ?? "", "https://auth.example.com");
    expect(location.pathname).toBe("/reset-password");
    expect(location.searchParams.get("token")).toBe(mail.token);
    const form = await visitor.get(location.href);
    expect(form.headers.get("referrer-policy")).toBe("no-referrer");
    expect(await form.text()).toContain(`name="token" value="${mail.token}"`);
    const reset = await visitor.post("/reset-password", { token: mail.token, newPassword: "a brand new password" });
    expect(reset.headers.get("location")).toBe("/sign-in?notice=password-reset");
    expect((await new PageVisitor().post("/sign-in", { email: user.email, password: "a brand new password" })).status).toBe(303);
    const again = await visitor.post("/reset-password", { token: mail.token, newPassword: "yet another password" });
    expect(await textOf(again)).toContain("This reset link does not work");
  });

  it("keeps a redirectTo on a trusted origin", async () => {
    const user = await signUp();
    await call("/api/auth/request-password-reset", {
      method: "POST",
      json: { email: user.email, redirectTo: "https://app.example.com/reset" },
    });
    const mail = await latestMail(user.email, "reset-password");
    expect(new URL(mail.url).searchParams.get("callbackURL")).toBe("https://app.example.com/reset");
  });
});
