/**
 * The OpenAPI 3.1 document of every route the Worker answers: Better Auth's
 * openAPI plugin output as the base, corrected to what this Worker serves
 * (endpoints not offered left out, sessions with handles, the error shape
 * and codes of the one table, the routes outside Better Auth, the pages).
 * docs/pages.md, "The API reference".
 */
import { openAPI } from "better-auth/plugins/open-api";
import { NOT_OFFERED } from "../auth/plugin/not-offered";
import type { Runtime } from "../runtime";
import { pagePaths } from "./pages";
import { components, errorResponseName, LISTED_SESSIONS, REVOKE_SESSION_BODY, SESSION_OR_NULL, workerPaths } from "./schemas";

type Json = Record<string, unknown>;
type Operation = Json & { responses?: Record<string, unknown>; tags?: string[] };
type PathItem = Record<string, Operation>;

/** Where Better Auth is mounted; its document's paths are below it. */
const AUTH_BASE = "/api/auth";

/** Endpoints that need no session (the rest take the cookie or a bearer token). */
const PUBLIC = new Set([
  "/passkey/generate-authenticate-options",
  "/passkey/verify-authentication",
  "/sign-up/email",
  "/sign-in/email",
  "/request-password-reset",
  "/reset-password",
  "/reset-password/{token}",
  "/verify-email",
  "/send-verification-email",
  "/get-session",
  "/ok",
  "/error",
  "/jwks",
]);

/** Error statuses beyond those every endpoint may answer (400, 401, 403, 429, 500, 503). */
const MORE_ERRORS: Record<string, number[]> = {
  "/sign-up/email": [422],
  "/revoke-session": [404],
  "/admin/revoke-user-session": [404],
  "/passkey/delete-passkey": [404],
  "/passkey/update-passkey": [404],
};

/**
 * Methods Better Auth's router takes but its endpoint always refuses with 405: get-session's
 * POST needs `deferSessionRefresh`, which is off.
 */
const REFUSED: Record<string, string[]> = { "/get-session": ["post"] };

/** Better Auth's paths as its router names them (`:id`) from the document's (`{id}`). */
const routerPath = (path: string) => path.replace(/\{(\w+)\}/g, ":$1");

/**
 * The document, for the runtime's Better Auth options.
 *
 * @example
 * ```ts
 * c.json(await buildDocument(getRuntime(c.env)));
 * ```
 */
export async function buildDocument(runtime: Runtime): Promise<Json> {
  const context = await runtime.auth.$context;
  const base = (await openAPI().endpoints.generateOpenAPISchema({ context } as never)) as unknown as {
    paths: Record<string, PathItem>;
    components: { schemas: Record<string, Json> };
  };
  const paths: Record<string, PathItem> = {};
  for (const [path, item] of Object.entries(base.paths)) {
    if (NOT_OFFERED.has(routerPath(path))) continue;
    const answered = Object.entries(item).filter(([method]) => !REFUSED[path]?.includes(method));
    paths[AUTH_BASE + path] = Object.fromEntries(answered.map(([method, op]) => [method, corrected(path, method, op)]));
  }
  const getSession = paths[`${AUTH_BASE}/get-session`]?.get;
  if (getSession)
    paths[`${AUTH_BASE}/session`] = { get: { ...getSession, operationId: "getSessionAlias", description: "get-session's alias" } };
  Object.assign(paths, workerPaths(), pagePaths(paths));
  const ours = components(context.authCookies.sessionToken.name) as { schemas: Json };
  const document: Json = {
    openapi: "3.1.1",
    info: {
      title: `${runtime.config.appName}: sign-in and sessions`,
      version: "1",
      description: "Email-and-password accounts and sessions. Every error is { code, message } with the code's status.",
    },
    servers: [{ url: "/" }],
    security: [{ sessionCookie: [] }, { bearerAuth: [] }],
    tags: [
      { name: "Accounts", description: "Sign-up, sign-in, verification, passwords, the profile" },
      { name: "Sessions", description: "Reading, listing and ending sessions" },
      { name: "Passkeys", description: "Adding, listing and removing passkeys, and signing in with one" },
      { name: "Tokens", description: "JWTs for services outside Cloudflare" },
      { name: "Admin", description: "Admins only (ADMIN_EMAILS)" },
      { name: "Service", description: "Outside Better Auth" },
      { name: "Pages", description: "The account pages: HTML forms over the endpoints above" },
    ],
    components: { ...ours, schemas: { ...base.components.schemas, ...ours.schemas } },
    paths,
  };
  return withReferencedSchemasOnly(document);
}

/** One of Better Auth's operations, as this Worker answers it. */
function corrected(path: string, method: string, op: Operation): Operation {
  const successes = Object.fromEntries(Object.entries(op.responses ?? {}).filter(([status]) => Number(status) < 400));
  const statuses = [400, 401, 403, 429, 500, 503, ...(method === "post" ? [413, 415] : []), ...(MORE_ERRORS[path] ?? [])];
  const errors = Object.fromEntries(
    statuses.sort((a, b) => a - b).map((status) => [status, { $ref: `#/components/responses/${errorResponseName(status)}` }]),
  );
  const answer: Operation = { ...op, tags: [tagOf(path)], responses: { ...successes, ...errors } };
  // Better Auth marks every operation as needing a bearer token; the document's default says cookie or bearer.
  delete answer.security;
  if (PUBLIC.has(path)) answer.security = [];
  if (path === "/get-session") answer.responses = { ...answer.responses, ...SESSION_OR_NULL };
  if (path === "/list-sessions") answer.responses = { ...answer.responses, ...LISTED_SESSIONS };
  if (path === "/revoke-session") answer.requestBody = REVOKE_SESSION_BODY;
  return answer;
}

function tagOf(path: string): string {
  if (path.startsWith("/admin/")) return "Admin";
  if (path === "/token" || path === "/jwks") return "Tokens";
  if (path.startsWith("/passkey/")) return "Passkeys";
  if (/session|sign-out|reauthenticate/.test(path)) return "Sessions";
  return "Accounts";
}

/** The document without the schemas nothing refers to (Better Auth's tables that no answer carries). */
function withReferencedSchemasOnly(document: Json): Json {
  const all = (document.components as { schemas: Record<string, Json> }).schemas;
  const used = new Set<string>();
  let text = JSON.stringify({ ...document, components: { ...(document.components as Json), schemas: {} } });
  for (let grew = true; grew; ) {
    grew = false;
    for (const [, name] of text.matchAll(/#\/components\/schemas\/(\w+)/g)) {
      if (name && !used.has(name) && all[name]) {
        used.add(name);
        text += JSON.stringify(all[name]);
        grew = true;
      }
    }
  }
  const schemas = Object.fromEntries(Object.entries(all).filter(([name]) => used.has(name)));
  return { ...document, components: { ...(document.components as Json), schemas } };
}
