/** Signing in with a second factor, as a browser does: cookies, with this origin. */
import { expect } from "vitest";
import { type Client, call, ORIGIN, PASSWORD, randomIp, signUp } from "./helpers";
import { secretOf, totp } from "./totp";

/** A browser's cookie jar: `Set-Cookie` answers applied, cleared cookies removed. */
export class Jar {
  readonly cookies = new Map<string, string>();

  take(response: Response): Response {
    for (const line of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";");
      const name = pair.slice(0, pair.indexOf("="));
      const value = pair.slice(pair.indexOf("=") + 1);
      const cleared = !value || attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute));
      if (cleared) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  get header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  has(fragment: string): boolean {
    return [...this.cookies.keys()].some((name) => name.includes(fragment));
  }

  without(fragment: string): Jar {
    const copy = new Jar();
    for (const [name, value] of this.cookies) if (!name.includes(fragment)) copy.cookies.set(name, value);
    return copy;
  }
}

/** A POST from the page on this origin, with the jar's cookies; answers go into the jar. */
export async function post(jar: Jar, path: string, json: unknown, ip = randomIp()): Promise<Response> {
  const headers: Record<string, string> = { origin: ORIGIN };
  if (jar.cookies.size > 0) headers.cookie = jar.header;
  return jar.take(await call(path, { method: "POST", json, headers, ip }));
}

export interface TwoFactorUser extends Client {
  /** The TOTP secret, as the authenticator app reads it from the QR code. */
  secret: Uint8Array;
  backupCodes: string[];
}

/** Signs up a user and turns TOTP on: enable with the password, confirm with a first code. */
export async function withTotp(): Promise<TwoFactorUser> {
  const client = await signUp();
  const bearer = { authorization: `Bearer ${client.bearer}` };
  const enable = await call("/api/auth/two-factor/enable", { method: "POST", json: { password: PASSWORD }, headers: bearer });
  expect(enable.status).toBe(200);
  const { totpURI, backupCodes } = (await enable.json()) as { totpURI: string; backupCodes: string[] };
  const secret = secretOf(totpURI);
  const confirm = await call("/api/auth/two-factor/verify-totp", {
    method: "POST",
    json: { code: await totp(secret, Date.now()) },
    headers: bearer,
  });
  expect(confirm.status).toBe(200);
  // Turning it on replaces the session: the new one is the client's from here.
  return { ...client, bearer: confirm.headers.get("set-auth-token") ?? "", secret, backupCodes };
}

/** A browser sign-in with the password: the jar then holds the challenge (or the session, without a second factor). */
export async function passwordStep(jar: Jar, email: string, password = PASSWORD): Promise<Response> {
  return post(jar, "/api/auth/sign-in/email", { email, password });
}
