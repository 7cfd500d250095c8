/** The OpenAPI document, built once per runtime (it depends only on the options Better Auth was built with). */
import type { Runtime } from "../runtime";
import { buildDocument } from "./document";

const documents = new WeakMap<Runtime, Promise<Record<string, unknown>>>();

/**
 * The document for `runtime`, built on first use; a build that fails is dropped.
 *
 * @example
 * ```ts
 * return c.json(await openApiDocument(getRuntime(c.env)));
 * ```
 */
export function openApiDocument(runtime: Runtime): Promise<Record<string, unknown>> {
  let document = documents.get(runtime);
  if (!document) {
    document = buildDocument(runtime);
    document.catch(() => documents.delete(runtime));
    documents.set(runtime, document);
  }
  return document;
}
