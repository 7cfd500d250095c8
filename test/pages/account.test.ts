import { describe, expect, it } from "vitest";
import { ageSession, latestMail, PASSWORD, signUp } from "../helpers";
import { PageVisitor, textOf } from "./visitor";

const MINUTE = 60_000;

/** A signed-up user, signed in through the sign-in page. */
async function signedIn(init: ConstructorParameters<typeof PageVisitor>[0] = {}) {
  const user = await signUp();
  const visitor = new PageVisitor(init);
  expect((await visitor.post("/sign-in", { email: user.email, password: PASSWORD })).status).toBe(303);
  return { user, visitor };
}

describe("the account page", () => {
  it("sends a visitor without a session to sign in, and back", async () => {
    const response = await new PageVisitor().get("/account");
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/sign-in?callbackURL=%2Faccount");
    expect((await new PageVisitor().get("/")).headers.get("location")).toBe("/account");
  });

  it("shows the name, the address and its state, and the sessions with place, IP and this device", async () => {
    const { user, visitor } = await signedIn({ cf: { city: "Lisbon", country: "PT" } });
    const text = await textOf(await visitor.get("/account"));
    expect(text).toContain(user.email);
    expect(text).toContain("Not verified");
    expect(text).toContain("Lisbon, Portugal");
    expect(text).toContain(visitor.ip);
    expect(text).toContain("This device");
  });

  it("never contains a session token", async () => {
    const { user, visitor } = await signedIn();
    const other = new PageVisitor();
    await other.post("/sign-in", { email: user.email, password: PASSWORD });
    for (const path of ["/account", "/sign-in", "/verify-email?verified=1"]) {
      const html = await (await visitor.get(path)).text();
      expect(html).not.toContain(visitor.sessionToken);
      expect(html).not.toContain(other.sessionToken);
    }
    expect(await (await visitor.get("/account")).text()).toMatch(/name="token" value="sh_/);
  });

  it("ends another session, which is then signed out", async () => {
    const { user, visitor } = await signedIn();
    const other = new PageVisitor();
    await other.post("/sign-in", { email: user.email, password: PASSWORD });
    const handle = (await (await visitor.get("/account")).text()).match(/name="token" value="(sh_[^"]+)"/)?.[1] ?? "";
    const ended = await visitor.post("/account/sessions/end", { token: handle });
    expect(ended.headers.get("location")).toBe("/account?notice=session-ended");
    expect((await other.get("/account")).headers.get("location")).toBe("/sign-in?callbackURL=%2Faccount");
  });

  it("asks for the password when the sign-in is too old to end other sessions, then ends them", async () => {
    const { user, visitor } = await signedIn();
    const other = new PageVisitor();
    await other.post("/sign-in", { email: user.email, password: PASSWORD });
    await ageSession(visitor.sessionToken, 20 * MINUTE);
    const refused = await visitor.post("/account/sessions/end-others");
    expect(refused.status).toBe(403);
    const html = await refused.text();
    expect(html).toContain("Confirm your password first");
    expect(html).toMatch(/action="\/account\/reauthenticate"/);
    expect(html).toContain('name="next" value="end-others"');
    const wrong = await visitor.post("/account/reauthenticate", { password: "wrong", next: "end-others" });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('name="next" value="end-others"');
    const before = visitor.sessionToken;
    const done = await visitor.post("/account/reauthenticate", { password: PASSWORD, next: "end-others" });
    expect(done.headers.get("location")).toBe("/account?notice=sessions-ended");
    expect(visitor.sessionToken).not.toBe(before);
    expect((await visitor.get("/account")).status).toBe(200);
    expect((await other.get("/account")).status).toBe(303);
  });

  it("changes the password, and refuses a wrong current one in the page", async () => {
    const { visitor } = await signedIn();
    const wrong = await visitor.post("/account/password", { currentPassword: "nope", newPassword: "another good password" });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toMatch(/id="currentPassword"[^>]*aria-invalid="true"/);
    const done = await visitor.post("/account/password", {
      currentPassword: PASSWORD,
      newPassword: "another good password",
      revokeOtherSessions: "true",
    });
    expect(done.headers.get("location")).toBe("/account?notice=password-changed");
    expect(await textOf(await visitor.get("/account?notice=password-changed"))).toContain("Your password was changed.");
  });

  it("saves the name, mails a verification link, signs out", async () => {
    const { user, visitor } = await signedIn();
    expect((await visitor.post("/account/name", { name: "Grace" })).headers.get("location")).toBe("/account?notice=name-saved");
    expect(await (await visitor.get("/account")).text()).toContain('value="Grace"');
    expect((await visitor.post("/account/verification", { email: user.email })).headers.get("location")).toBe(
      "/account?notice=verification-sent",
    );
    expect((await latestMail(user.email, "verify-email")).url).toContain(encodeURIComponent("/verify-email?verified=1"));
    expect((await visitor.post("/account/sign-out")).headers.get("location")).toBe("/sign-in?notice=signed-out");
    expect((await visitor.get("/account")).status).toBe(303);
  });

  it("deletes the account with the password only", async () => {
    const { user, visitor } = await signedIn();
    const wrong = await visitor.post("/account/delete", { password: "nope" });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toMatch(/id="delete-password"[^>]*aria-invalid="true"/);
    expect((await visitor.post("/account/delete", { password: PASSWORD })).headers.get("location")).toBe("/sign-in?notice=account-deleted");
    expect((await new PageVisitor().post("/sign-in", { email: user.email, password: PASSWORD })).status).toBe(401);
  });

  it("keeps the API's origin rules: a cross-site form ends no session", async () => {
    const { user, visitor } = await signedIn();
    const evil = new PageVisitor({ origin: "https://evil.example" });
    evil.cookie = visitor.cookie;
    const response = await evil.post("/account/delete", { password: PASSWORD });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('data-code="INVALID_ORIGIN"');
    expect((await new PageVisitor().post("/sign-in", { email: user.email, password: PASSWORD })).status).toBe(303);
  });
});
