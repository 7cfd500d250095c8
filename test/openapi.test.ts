import { env } from "cloudflare:workers";
import type { AuthContext } from "better-auth";
import { getEndpoints } from "better-auth/api";
import { describe, expect, it } from "vitest";
import { app } from "../src/app";
import { NOT_OFFERED } from "../src/auth/plugin/not-offered";
import { ERROR_CODES } from "../src/errors";
import { getRuntime } from "../src/runtime";
import { call, ORIGIN } from "./helpers";

type Document = {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
};

async function document(): Promise<Document> {
  const response = await call("/api/openapi.json");
  expect(response.status).toBe(200);
  return (await response.json()) as Document;
}

/** `/callback/:id` as the document writes it, `/callback/{id}`. */
const openApiPath = (path: string) => path.replace(/:(\w+)/g, "{$1}");

/** Every method and path the app answers: its own routes, and Better Auth's endpoints that are offered. */
async function routesAnswered(): Promise<string[]> {
  const routes = app.routes.filter((route) => route.method !== "ALL").map((route) => `${route.method} ${openApiPath(route.path)}`);
  const context = (await getRuntime(env).auth.$context) as unknown as AuthContext;
  const { api } = getEndpoints(Promise.resolve(context), context.options);
  for (const endpoint of Object.values(api) as {
    path?: string;
    options?: { method?: string | string[]; metadata?: { SERVER_ONLY?: boolean } };
  }[]) {
    if (!endpoint.path || !endpoint.options?.method || endpoint.options.metadata?.SERVER_ONLY || NOT_OFFERED.has(endpoint.path)) continue;
    for (const method of ([] as string[]).concat(endpoint.options.method)) routes.push(`${method} /api/auth${openApiPath(endpoint.path)}`);
  }
  return [...new Set(routes)];
}

/** The status a request to `route` ("METHOD /path", parameters filled in) gets; 404 only as `NOT_FOUND`. */
async function statusOf(route: string): Promise<number> {
  const [method = "GET", path = "/"] = route.split(" ");
  const post = method === "POST";
  const response = await call(path.replace(/\{\w+\}/g, "x"), { method, ...(post && { json: {}, headers: { origin: ORIGIN } }) });
  const body = response.headers.get("content-type")?.includes("json") ? ((await response.json()) as { code?: string } | null) : null;
  return response.status === 404 && body?.code !== "NOT_FOUND" ? 400 : response.status;
}

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1", async () => {
    expect((await document()).openapi).toMatch(/^3\.1\./);
  });

  it("has every route the app answers, and nothing else", async () => {
    const { paths } = await document();
    const documented = new Set(
      Object.entries(paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`)),
    );
    const routes = await routesAnswered();
    expect(routes.length).toBeGreaterThan(50);
    const answered = new Set<string>();
    for (const route of new Set([...routes, ...documented])) {
      const status = await statusOf(route);
      // A route the router knows but whose endpoint always refuses (405) is not one the app answers.
      if (status !== 404 && status !== 405) answered.add(route);
    }
    expect([...answered].filter((route) => !documented.has(route))).toEqual([]);
    expect([...documented].filter((route) => !answered.has(route))).toEqual([]);
  });

  it("has no endpoint that is switched off", async () => {
    const paths = Object.keys((await document()).paths);
    const notOffered = [...NOT_OFFERED].map((path) => `/api/auth${openApiPath(path)}`);
    expect(notOffered.length).toBeGreaterThan(10);
    expect(paths.filter((path) => notOffered.includes(path))).toEqual([]);
  });

  it("shows sessions with handles and without their token, and errors in the one shape with every code", async () => {
    const doc = await document();
    const listed = doc.components.schemas.ListedSession?.properties?.token as { pattern?: string };
    expect(listed.pattern).toBe("^sh_");
    expect(Object.keys(doc.components.schemas.Session?.properties ?? {})).not.toContain("token");
    const error = doc.components.schemas.Error as { properties: { code: { enum: string[] } }; required: string[] };
    expect(error.properties.code.enum.sort()).toEqual(Object.keys(ERROR_CODES).sort());
    expect(error.required).toEqual(["code", "message"]);
    expect(doc.paths["/api/auth/sign-in/email"]?.post?.responses["401"]).toEqual({ $ref: "#/components/responses/Error401" });
  });

  it("is shown at /api/reference, under the pages' policy", async () => {
    const response = await call("/api/reference");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-security-policy")).toMatch(/script-src 'nonce-/);
    const html = await response.text();
    expect(html).toContain('data-path="/api/auth/sign-in/email"');
    expect(html).not.toContain("/api/auth/verify-password");
  });
});
