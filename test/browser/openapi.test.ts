/**
 * The OpenAPI document the running Worker serves, checked by an OpenAPI
 * parser (in Node; the route coverage is checked inside workerd, in
 * test/openapi.test.ts).
 */
import { compileErrors, validate } from "@readme/openapi-parser";
import { describe, expect, it } from "vitest";
import { BASE } from "./support";

describe("/api/openapi.json", () => {
  it("is a valid OpenAPI 3.1 document, its references all resolved", async () => {
    const response = await fetch(`${BASE}/api/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as { openapi: string };
    expect(document.openapi).toMatch(/^3\.1\./);
    const result = await validate(structuredClone(document) as never);
    expect(result.valid ? "" : compileErrors(result)).toBe("");
    expect(result.specification).toBe("OpenAPI");
  });

  it("fails a document that is not (the check is live)", async () => {
    const document = (await (await fetch(`${BASE}/api/openapi.json`)).json()) as Record<string, unknown>;
    const broken = { ...document, paths: { "/x": { get: { responses: { 200: { $ref: "#/components/responses/Nowhere" } } } } } };
    expect((await validate(broken as never)).valid).toBe(false);
  });
});
