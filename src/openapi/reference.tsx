/**
 * `/api/reference`: the OpenAPI document as a page, each operation with a
 * form that sends a request from the page (with the reader's cookie, when
 * signed in) and shows the answer. Served from this origin with the pages'
 * policy: no third-party script runs next to the session cookie.
 */
import type { Context } from "hono";
import type { FC } from "hono/jsx";
import type { PageEnv } from "../pages/headers";
import { Layout } from "../pages/layout";
import { frame, render } from "../pages/respond";
import { getRuntime } from "../runtime";
import { openApiDocument } from "./cache";
import { REFERENCE_SCRIPT } from "./reference-script";

type Json = Record<string, unknown>;
type Parameter = { name: string; in: string; required?: boolean; description?: string };
type BodySchema = { properties?: Record<string, { type?: unknown; description?: string }>; required?: string[] };
interface Entry {
  method: string;
  path: string;
  op: Json & { tags?: string[]; description?: string; summary?: string; parameters?: Parameter[]; responses?: Json };
  id: string;
}

/** The document's operations, grouped by their first tag in the document's order of tags. */
function byTag(document: Json): [string, Entry[]][] {
  const groups = new Map<string, Entry[]>(((document.tags ?? []) as { name: string }[]).map((tag) => [tag.name, []]));
  let n = 0;
  for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, Entry["op"]>>)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = op.tags?.[0] ?? "Other";
      n += 1;
      groups.set(tag, [...(groups.get(tag) ?? []), { method: method.toUpperCase(), path, op, id: `op${n}` }]);
    }
  }
  return [...groups].filter(([, entries]) => entries.length > 0);
}

function bodyOf(op: Json): BodySchema | undefined {
  const content = (op.requestBody as { content?: Record<string, { schema?: BodySchema }> } | undefined)?.content;
  return content?.["application/json"]?.schema;
}

/** A starting body for the try-it form: the required fields, empty. */
function exampleBody(schema: BodySchema): string {
  const example = Object.fromEntries(
    (schema.required ?? []).map((name) => [name, schema.properties?.[name]?.type === "boolean" ? false : ""]),
  );
  return JSON.stringify(example, null, 2);
}

const TryIt: FC<{ entry: Entry }> = ({ entry }) => {
  const parameters = (entry.op.parameters ?? []).filter((p) => p.in === "path" || p.in === "query");
  const body = bodyOf(entry.op);
  return (
    <form class="try" data-method={entry.method} data-path={entry.path}>
      {parameters.map((p) => (
        <div class="field">
          <label for={`${entry.id}-${p.name}`}>{`${p.name} (${p.in}${p.required ? ", required" : ""})`}</label>
          <input id={`${entry.id}-${p.name}`} name={p.name} type="text" data-in={p.in} required={p.in === "path"} />
        </div>
      ))}
      {body ? (
        <div class="field">
          <label for={`${entry.id}-body`}>Body (JSON)</label>
          <textarea id={`${entry.id}-body`} name="body" spellcheck={false}>
            {exampleBody(body)}
          </textarea>
        </div>
      ) : null}
      <button type="submit" class="secondary" aria-label={`Send ${entry.method} ${entry.path}`}>
        Send
      </button>
      <pre class="result" role="status" hidden></pre>
    </form>
  );
};

const Operation: FC<{ entry: Entry }> = ({ entry }) => {
  const body = bodyOf(entry.op);
  const page = entry.op.tags?.includes("Pages");
  return (
    <details>
      <summary>
        <code class="method">{entry.method}</code> <code>{entry.path}</code> {entry.op.summary ?? entry.op.description ?? ""}
      </summary>
      {entry.op.summary && entry.op.description ? <p>{entry.op.description}</p> : null}
      {body?.properties ? (
        <table>
          <caption class="hint">Body fields</caption>
          <tbody>
            {Object.entries(body.properties).map(([name, field]) => (
              <tr>
                <th scope="row">
                  <code>{name}</code>
                </th>
                <td>{`${String(field.type ?? "")}${body.required?.includes(name) ? ", required" : ""}`}</td>
                <td>{field.description ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <p class="hint">{`Answers: ${Object.keys(entry.op.responses ?? {}).join(", ")}`}</p>
      {page ? entry.method === "GET" && !entry.path.includes("{") ? <a href={entry.path}>Open the page</a> : null : <TryIt entry={entry} />}
    </details>
  );
};

/** `GET /api/reference`. */
export async function showReference(c: Context<PageEnv>) {
  const document = await openApiDocument(getRuntime(c.env));
  const page = (
    <Layout {...frame(c)} title="API reference" wide script={REFERENCE_SCRIPT}>
      <p>
        The same as <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1). “Send” calls the endpoint from this page, with your
        session cookie when you are signed in; it needs JavaScript.
      </p>
      {byTag(document).map(([tag, entries]) => (
        <section class="card" aria-labelledby={`tag-${tag}`}>
          <h2 id={`tag-${tag}`}>{tag}</h2>
          {entries.map((entry) => (
            <Operation entry={entry} />
          ))}
        </section>
      ))}
    </Layout>
  );
  return render(c, page);
}
