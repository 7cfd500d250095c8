/**
 * The one script of the pages, sent inline with the request's nonce. The
 * pages work without it; it shows times in the reader's own time zone,
 * sends each form once, and moves focus to an error so it is read first.
 */
export const PAGE_SCRIPT = `
for (const time of document.querySelectorAll("time[data-local]")) {
  const date = new Date(time.getAttribute("datetime"));
  if (!Number.isNaN(date.getTime())) time.textContent = date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (event.defaultPrevented) return;
  if (form.dataset.sending) return event.preventDefault();
  form.dataset.sending = "true";
  for (const button of form.querySelectorAll("button")) button.setAttribute("aria-disabled", "true");
});
addEventListener("pageshow", () => {
  for (const form of document.forms) delete form.dataset.sending;
  for (const button of document.querySelectorAll("button[aria-disabled]")) button.removeAttribute("aria-disabled");
});
document.querySelector(".alert[tabindex]")?.focus();
`;
