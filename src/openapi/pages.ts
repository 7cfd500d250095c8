/** The account pages in the OpenAPI document: HTML forms, each over one endpoint of the API. */
import { PAGE_ROUTES } from "../pages";

type Json = Record<string, unknown>;

const HTML = { "text/html": { schema: { type: "string" } } };

/** An operation id from a page route, e.g. `pagePostAccountSessionsEnd`. */
function operationId(method: string, path: string): string {
  const words = `${method.toLowerCase()} ${path.replace(/[/-]/g, " ")}`.trim().split(/\s+/);
  return `page${words.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join("")}`;
}

/**
 * The page routes as OpenAPI paths. A form's fields are the JSON body's
 * names of the endpoint it posts to, described as there (`api` are the
 * document's paths so far).
 */
export function pagePaths(api: Record<string, Record<string, Json>>): Record<string, Record<string, Json>> {
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of PAGE_ROUTES) {
    const method = route.method.toLowerCase();
    const op: Json = { tags: ["Pages"], operationId: operationId(route.method, route.path), summary: route.summary, security: [] };
    if (route.method === "GET") {
      op.responses = { 200: { description: "The page", content: HTML }, 303: { description: "Elsewhere: signed in, or not" } };
    } else {
      const endpoint = route.api ? api[`/api/auth${route.api.path}`]?.post : undefined;
      const body = (endpoint?.requestBody as { content?: Record<string, { schema?: { properties?: Record<string, Json> } }> } | undefined)
        ?.content?.["application/json"]?.schema?.properties;
      const fields = [...(route.api?.fields ?? []), ...Object.keys(route.extra ?? {})];
      const properties = Object.fromEntries(
        fields.map((name) => [name, { type: "string", description: route.extra?.[name] ?? body?.[name]?.description }]),
      );
      op.description = route.api ? `The form for POST /api/auth${route.api.path}, with its body's fields.` : undefined;
      op.requestBody = { content: { "application/x-www-form-urlencoded": { schema: { type: "object", properties } } } };
      op.responses = {
        303: { description: "Done: on to the next page" },
        "4XX": { description: "The page again, with the error's message", content: HTML },
        "5XX": { description: "The page again, with the error's message", content: HTML },
      };
    }
    paths[route.path] = { ...paths[route.path], [method]: op };
  }
  return paths;
}
