/**
 * Rate-limit keys besides the client address (`client-key.ts`): the
 * account a password check is for, and the inbox a mail goes to.
 */

/**
 * The lockout key of an account: `account:<email>`, trimmed and lower-cased;
 * `null` for an empty address.
 */
export function accountKey(email: string): string | null {
  const normalised = email.trim().toLowerCase();
  return normalised ? `account:${normalised}` : null;
}

/**
 * One key per inbox: `mail:<address>`, lower-cased, without a `+tag` in the
 * local part, and for Gmail without dots, so `Victim+1@…` and `v.ictim@gmail.com`
 * count against the same allowance as the address they deliver to.
 *
 * @example
 * ```ts
 * recipientKey("Victim+Newsletter@Example.com"); // "mail:victim@example.com"
 * ```
 */
export function recipientKey(email: string): string {
  const normalised = email.trim().toLowerCase();
  const at = normalised.lastIndexOf("@");
  if (at < 1) return `mail:${normalised}`;
  let local = normalised.slice(0, at).split("+")[0] || normalised.slice(0, at);
  let domain = normalised.slice(at + 1);
  if (domain === "gmail.com" || domain === "googlemail.com") {
    local = local.replaceAll(".", "");
    domain = "gmail.com";
  }
  return `mail:${local}@${domain}`;
}
