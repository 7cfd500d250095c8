/**
 * The pages' WebAuthn glue, sent after the page script with the same nonce
 * on the pages that use it: `/account` adds a passkey (a
 * `form[data-passkey=register]`), `/sign-in` signs in with one (a
 * `[data-passkey=sign-in]` button). Both stay hidden without WebAuthn. The
 * API speaks JSON with binary fields in base64url; the browser wants
 * ArrayBuffers: this converts between them, nothing more.
 */
export const PASSKEY_SCRIPT = `
{
  const api = "/api/auth/passkey/";
  const bytes = (text) => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  const text = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  const ids = (list) => (list || []).map((item) => ({ ...item, id: bytes(item.id) }));
  const credentialJSON = (credential) => {
    const r = credential.response;
    const response = { clientDataJSON: text(r.clientDataJSON) };
    if (r.attestationObject) Object.assign(response, { attestationObject: text(r.attestationObject), transports: r.getTransports ? r.getTransports() : [] });
    if (r.authenticatorData) Object.assign(response, { authenticatorData: text(r.authenticatorData), signature: text(r.signature) });
    if (r.userHandle) response.userHandle = text(r.userHandle);
    return { id: credential.id, rawId: text(credential.rawId), type: credential.type, response,
      authenticatorAttachment: credential.authenticatorAttachment || undefined, clientExtensionResults: credential.getClientExtensionResults() };
  };
  const call = async (path, body) => {
    const init = body ? { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) } : {};
    const answer = await fetch(api + path, { credentials: "same-origin", ...init });
    const data = await answer.json().catch(() => null);
    if (!answer.ok) throw new Error((data && data.message) || "Something went wrong; try again.");
    return data;
  };
  const explain = (error) => error && error.name === "NotAllowedError" ? "The passkey was not used. Try again." : error.message;
  const show = (box, error) => { box.textContent = explain(error); box.hidden = false; box.focus(); };
  const done = (element) => { element.removeAttribute("aria-disabled"); delete element.dataset.sending; };
  if (window.PublicKeyCredential) {
    const form = document.querySelector("form[data-passkey=register]");
    if (form) {
      form.hidden = false;
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        if (form.dataset.sending) return;
        form.dataset.sending = "true";
        const box = form.querySelector(".alert");
        const name = form.elements.name.value.trim();
        try {
          const options = await call("generate-register-options" + (name ? "?name=" + encodeURIComponent(name) : ""));
          const publicKey = { ...options, challenge: bytes(options.challenge), user: { ...options.user, id: bytes(options.user.id) }, excludeCredentials: ids(options.excludeCredentials) };
          const credential = await navigator.credentials.create({ publicKey });
          await call("verify-registration", { response: credentialJSON(credential), ...(name ? { name } : {}) });
          location.assign("/account?notice=passkey-added#passkeys");
        } catch (error) {
          show(box, error);
          delete form.dataset.sending;
        }
      });
    }
    const button = document.querySelector("[data-passkey=sign-in]");
    if (button) {
      button.closest("[hidden]")?.removeAttribute("hidden");
      button.addEventListener("click", async () => {
        if (button.dataset.sending) return;
        button.dataset.sending = "true";
        button.setAttribute("aria-disabled", "true");
        const box = document.getElementById("passkey-error");
        try {
          const options = await call("generate-authenticate-options");
          const publicKey = { ...options, challenge: bytes(options.challenge), allowCredentials: ids(options.allowCredentials) };
          const credential = await navigator.credentials.get({ publicKey });
          await call("verify-authentication", { response: credentialJSON(credential) });
          // The sign-in page sends a signed-in visitor on to its callbackURL, checked there.
          location.reload();
        } catch (error) {
          show(box, error);
          done(button);
        }
      });
    }
  }
}
`;
