import { describe, expect, it } from "vitest";
import { placeOf } from "../src/auth/plugin/places";
import { call, PASSWORD, signUp } from "./helpers";

const LISBON = { city: "Lisbon", country: "PT" };

/** The sessions list-sessions shows to `bearer`. */
async function listed(bearer: string) {
  const response = await call("/api/auth/list-sessions", { headers: { authorization: `Bearer ${bearer}` } });
  return (await response.json()) as { place: string | null; current: boolean }[];
}

describe("where a session signed in from", () => {
  it("is kept as the session's place, from Cloudflare's location of the request", async () => {
    const user = await signUp();
    const response = await call("/api/auth/sign-in/email", { method: "POST", json: { email: user.email, password: PASSWORD }, cf: LISBON });
    const bearer = response.headers.get("set-auth-token") ?? "";
    expect((await listed(bearer)).find((session) => session.current)?.place).toBe("Lisbon, Portugal");
  });

  it("names the city and the country when Cloudflare knows them, and nothing else", () => {
    const at = (cf: object | undefined) => placeOf(new Request("https://x.example", { cf } as RequestInit));
    expect(at({ city: "Austin", country: "US" })).toBe("Austin, United States");
    expect(at({ country: "DE" })).toBe("Germany");
    expect(at({ city: "Somewhere", country: "T1" })).toBe("Somewhere");
    expect(at({ country: "XX" })).toBeNull();
    expect(at(undefined)).toBeNull();
    expect(placeOf(undefined)).toBeNull();
  });
});
