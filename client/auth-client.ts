/**
 * The Better Auth client plugin for this Worker: Better Auth's own client
 * (`better-auth/client`, or its React, Vue, Svelte and Solid bindings),
 * typed for every endpoint and field the Worker adds or changes.
 *
 * @example
 * ```ts
 * import { createAuthClient } from "better-auth/client";
 * import { edgeSessionClient } from "edge-session-worker/auth-client";
 *
 * const authClient = createAuthClient({ baseURL: "https://auth.example.com", plugins: [edgeSessionClient()] });
 * const { data: sessions } = await authClient.listSessions();
 * await authClient.revokeSession({ token: sessions![1]!.token }); // a handle, not a credential
 * ```
 */
import type { BetterAuthClientPlugin } from "better-auth/client";
import type { EdgeSessionPlugin } from "../src/auth/plugin";

/** The client side of the Worker's `edgeSession` plugin. */
export function edgeSessionClient() {
  return {
    id: "edge-session",
    $InferServerPlugin: {} as EdgeSessionPlugin,
    pathMethods: { "/list-sessions": "GET", "/revoke-session": "POST", "/admin/revoke-all-sessions": "POST", "/security-events": "GET" },
  } satisfies BetterAuthClientPlugin;
}
