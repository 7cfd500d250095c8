// POST a JSON array of { key, value, metadata, expirationTtl }: each is put into SESSION_KV.
export default {
  async fetch(request, env) {
    if (request.method !== "POST") return new Response("POST a JSON array of KV entries", { status: 405 });
    const entries = await request.json();
    await Promise.all(entries.map((e) => env.SESSION_KV.put(e.key, e.value, { metadata: e.metadata, expirationTtl: e.expirationTtl })));
    return Response.json({ put: entries.length });
  },
};
