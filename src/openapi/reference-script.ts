/** The reference page's script: each "Send" form calls its endpoint from the page and shows the answer. */
export const REFERENCE_SCRIPT = `
for (const form of document.querySelectorAll("form.try")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    let path = form.dataset.path;
    const query = new URLSearchParams();
    for (const input of form.querySelectorAll("input[data-in]")) {
      if (input.dataset.in === "path") path = path.replace("{" + input.name + "}", encodeURIComponent(input.value));
      else if (input.value) query.set(input.name, input.value);
    }
    const body = form.querySelector("textarea")?.value.trim();
    const out = form.querySelector("pre.result");
    out.hidden = false;
    out.textContent = "Sending…";
    try {
      const response = await fetch(path + (query.size ? "?" + query : ""), {
        method: form.dataset.method,
        credentials: "same-origin",
        redirect: "manual",
        headers: body ? { "content-type": "application/json" } : {},
        body: body || undefined,
      });
      const text = await response.text();
      let shown = text;
      try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch {}
      out.textContent = response.type === "opaqueredirect" ? "A redirect: a browser would follow it." : response.status + " " + response.statusText + "\\n" + shown;
    } catch (error) {
      out.textContent = String(error);
    }
  });
}
`;
