/**
 * `AuthService`: the RPC entrypoint other Workers reach through a Service
 * Binding (`entrypoint = "AuthService"`). Validation runs in-network, with
 * the same checks and the same KV cache as the HTTP API.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { AuthServiceRpc, ValidatedSession, ValidateOptions } from "../../client/contract";
import { app } from "../app";
import { getRuntime } from "../runtime";
import { lookupSession } from "../sessions/lookup";

/** The only request headers that carry credentials. */
const CREDENTIAL_HEADERS = ["cookie", "authorization"] as const;

/**
 * @example
 * ```ts
 * // In the calling Worker, with [[services]] binding = "AUTH", entrypoint = "AuthService":
 * const result = await env.AUTH.validateHeaders({ cookie: request.headers.get("cookie") ?? "" });
 * ```
 */
export class AuthService extends WorkerEntrypoint<Env> implements AuthServiceRpc {
  /** The session in `headers` (`cookie` or `authorization`), or `null`. See {@link AuthServiceRpc}. */
  async validateHeaders(headers: Record<string, string>, options: ValidateOptions = {}): Promise<ValidatedSession | null> {
    const credentials = new Headers();
    for (const [name, value] of Object.entries(headers ?? {})) {
      const lower = name.toLowerCase();
      if ((CREDENTIAL_HEADERS as readonly string[]).includes(lower) && typeof value === "string" && value) credentials.set(lower, value);
    }
    return this.validate(credentials, options);
  }

  /** The session of a signed bearer token, or `null`. See {@link AuthServiceRpc}. */
  async validateToken(token: string, options: ValidateOptions = {}): Promise<ValidatedSession | null> {
    if (typeof token !== "string" || token.length === 0) return null;
    return this.validate(new Headers({ authorization: `Bearer ${token}` }), options);
  }

  /** The HTTP API, for callers that forward `/api/auth/*` requests over the same binding. */
  override fetch(request: Request): Promise<Response> {
    return Promise.resolve(app.fetch(request, this.env, this.ctx));
  }

  private async validate(headers: Headers, options: ValidateOptions): Promise<ValidatedSession | null> {
    if (!headers.has("cookie") && !headers.has("authorization")) return null;
    const { user, session, setCookies, reuseUntil } = await lookupSession(getRuntime(this.env), headers, {
      fresh: options?.fresh === true,
    });
    if (!user || !session) return null;
    return reuseUntil && setCookies.length === 0 ? { user, session, setCookies, reuseUntil } : { user, session, setCookies };
  }
}
