/**
 * `/api/openapi.json` (the OpenAPI 3.1 document of every route the Worker
 * answers) and `/api/reference` (the same as a page). docs/pages.md.
 */
import { Hono } from "hono";
import { type PageEnv, pageHeaders } from "../pages/headers";
import { getRuntime } from "../runtime";
import { openApiDocument } from "./cache";
import { showReference } from "./reference";

/**
 * The routes, under `/api`.
 *
 * @example
 * ```ts
 * app.route("/api", openApiRoutes);
 * ```
 */
export const openApiRoutes = new Hono<PageEnv>();

openApiRoutes.get("/openapi.json", async (c) => {
  c.header("cache-control", "public, max-age=300");
  return c.json(await openApiDocument(getRuntime(c.env)));
});
openApiRoutes.use("/reference", pageHeaders());
openApiRoutes.get("/reference", showReference);
