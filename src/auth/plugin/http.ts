/**
 * The HTTP side of `auth.handler`, as Better Auth's router lets a plugin see
 * it: request bodies within a limit, 404 for endpoints not offered, 405 for
 * a known path with the wrong method, and every answer in the Worker's
 * conventions (one JSON error shape, `Cache-Control`, `WWW-Authenticate` on
 * a 401).
 */
import type { AuthContext, BetterAuthPlugin } from "better-auth";
import { createAuthMiddleware, getEndpoints, isAPIError } from "better-auth/api";
import { ERROR_CODES, errorCodeFor, errorResponse } from "../../../client/contract";
import type { Hook } from "./context";
import { NOT_OFFERED } from "./not-offered";

/** Largest request body the auth routes accept. */
export const AUTH_BODY_LIMIT_BYTES = 16 * 1024;

type Route = { segments: string[]; methods: string[]; offered: boolean };

/**
 * `onRequest` and `onResponse` for the plugin.
 *
 * @example
 * ```ts
 * const plugin = { id: "edge-session", ...httpConventions() };
 * ```
 */
export function httpConventions(): Pick<BetterAuthPlugin, "onRequest" | "onResponse"> {
  let routes: Route[] | undefined;
  return {
    async onRequest(request, ctx) {
      routes ??= routeTable(ctx);
      const path = routePath(request, ctx).split("/");
      const matches = routes.filter((route) => matchesPath(route, path));
      if (matches.length > 0 && matches.every((route) => !route.offered)) return { response: errorResponse("NOT_FOUND") };
      const allowed = [...new Set(matches.flatMap((route) => route.methods))];
      if (matches.length > 0 && !allowed.includes(request.method)) {
        return { response: errorResponse("METHOD_NOT_ALLOWED", { headers: { allow: allowed.join(", ") } }) };
      }
      const limited = await withinBodyLimit(request);
      return limited instanceof Response ? { response: limited } : { request: limited };
    },
    async onResponse(response) {
      return { response: await conventional(response) };
    },
  };
}

/** The path below Better Auth's base path. */
function routePath(request: Request, ctx: AuthContext): string {
  const basePath = (ctx.options.basePath ?? "/api/auth").replace(/\/+$/, "");
  const { pathname } = new URL(request.url);
  return pathname.startsWith(`${basePath}/`) ? pathname.slice(basePath.length) : pathname;
}

/** Every endpoint's path and methods, as Better Auth's router knows them. */
function routeTable(ctx: AuthContext): Route[] {
  const { api } = getEndpoints(Promise.resolve(ctx), ctx.options);
  const table = new Map<string, Route>();
  for (const endpoint of Object.values(api) as {
    path?: string;
    options?: { method?: string | string[]; metadata?: { SERVER_ONLY?: boolean } };
  }[]) {
    if (!endpoint.path || !endpoint.options?.method || endpoint.options.metadata?.SERVER_ONLY) continue;
    const methods = ([] as string[]).concat(endpoint.options.method);
    const route = table.get(endpoint.path) ?? { segments: endpoint.path.split("/"), methods: [], offered: !NOT_OFFERED.has(endpoint.path) };
    route.methods.push(...methods.filter((method) => !route.methods.includes(method)));
    table.set(endpoint.path, route);
  }
  return [...table.values()];
}

/** Whether a request path (split at `/`) is one of `route`'s (`:name` segments match any one segment). */
function matchesPath(route: Route, segments: string[]): boolean {
  return (
    route.segments.length === segments.length &&
    route.segments.every((segment, i) => (segment.startsWith(":") ? segments[i] !== "" : segment === segments[i]))
  );
}

/**
 * The request with its body read within {@link AUTH_BODY_LIMIT_BYTES}, or
 * the `413` answer. An empty body without a `Content-Type` counts as no body,
 * so a body-less `POST` (sign-out, say) is accepted.
 */
async function withinBodyLimit(request: Request): Promise<Request | Response> {
  if (!request.body) return request;
  const declared = request.headers.get("content-length");
  if (declared !== null && !request.headers.has("transfer-encoding")) {
    if (Number(declared) > AUTH_BODY_LIMIT_BYTES) return errorResponse("PAYLOAD_TOO_LARGE");
    if (Number(declared) > 0 || request.headers.has("content-type")) return request;
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > AUTH_BODY_LIMIT_BYTES) {
      await reader.cancel();
      return errorResponse("PAYLOAD_TOO_LARGE");
    }
    chunks.push(value);
  }
  const headers = new Headers(request.headers);
  headers.delete("transfer-encoding");
  if (size === 0 && !headers.has("content-type")) {
    headers.delete("content-length");
    return new Request(request.url, { method: request.method, headers, cf: request.cf });
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  headers.set("content-length", String(size));
  // The cf properties go along: sessions and events record where the request came from.
  return new Request(request.url, { method: request.method, headers, body, cf: request.cf });
}

/** A response of Better Auth's router in the Worker's conventions. */
async function conventional(response: Response): Promise<Response> {
  if (response.status >= 400) {
    const body = response.headers.get("content-type")?.includes("json")
      ? ((await response.json().catch(() => null)) as { code?: unknown; message?: unknown } | null)
      : await response.body?.cancel().then(() => null);
    const code = errorCodeFor(response.status, body?.code);
    // Better Auth's message says what went wrong, also when its code is replaced by a generic one.
    const message = typeof body?.message === "string" && body.message ? body.message : undefined;
    const headers = new Headers(response.headers);
    headers.delete("content-length");
    const answer = errorResponse(code, { message });
    for (const [name, value] of answer.headers) headers.set(name, value);
    return new Response(answer.body, { status: ERROR_CODES[code].status, headers });
  }
  const headers = new Headers(response.headers);
  if (!headers.has("cache-control")) headers.set("cache-control", "no-store");
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/** Public keys change only on rotation and may be cached; every other answer is per user. */
export const cacheControl: Hook = {
  matcher: () => true,
  handler: createAuthMiddleware(async (ctx) => {
    ctx.setHeader("cache-control", ctx.path === "/jwks" && !isAPIError(ctx.context.returned) ? "public, max-age=300" : "no-store");
  }),
};
