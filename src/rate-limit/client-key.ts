/**
 * The rate-limit key of a request: its client address, normalised.
 *
 * Only `cf-connecting-ip` counts. Cloudflare sets it on every request that
 * reaches the Worker from the internet and overwrites any value the client
 * sent; `x-forwarded-for`, `x-real-ip` and `true-client-ip` are whatever the
 * client wanted them to be.
 */

/** Key for requests that carry no usable address (they share a strict bucket of their own). */
export const NO_ADDRESS_KEY = "ip:none";

/**
 * Normalises an address: IPv4 as is, IPv4-mapped IPv6 as IPv4, other IPv6 by
 * its /64 prefix (one subscriber usually holds a whole /64). `null` when the
 * value is not an IP address.
 *
 * @example
 * ```ts
 * normaliseAddress("2001:db8:1:2:aaaa::1"); // "2001:db8:1:2::/64"
 * normaliseAddress("::ffff:192.0.2.1");     // "192.0.2.1"
 * ```
 */
export function normaliseAddress(value: string): string | null {
  const address = value.trim();
  if (isIPv4(address)) return address;
  const groups = expandIPv6(address);
  if (!groups) return null;
  const mapped = mappedIPv4(groups);
  if (mapped) return mapped;
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(":")}::/64`;
}

/** The key for a request: `ip:<normalised address>`, or {@link NO_ADDRESS_KEY}. */
export function clientKey(headers: Headers): string {
  const header = headers.get("cf-connecting-ip");
  const address = header ? normaliseAddress(header) : null;
  return address ? `ip:${address}` : NO_ADDRESS_KEY;
}

/**
 * The networks a request's address belongs to, for the coarser limits on
 * credential routes: an IPv4 address's /24, an IPv6 address's /56 and /48
 * (one subscriber or one organisation can hold many /64s). `scale` is how
 * many times the network rule's budget the network gets.
 *
 * @example
 * ```ts
 * networkKeys(new Headers({ "cf-connecting-ip": "2001:db8:1:2a3::1" }));
 * // [{ key: "net:2001:db8:1:200::/56", scale: 1 }, { key: "net:2001:db8:1::/48", scale: 4 }]
 * ```
 */
export function networkKeys(headers: Headers): { key: string; scale: number }[] {
  return networksOf(headers.get("cf-connecting-ip")?.trim() ?? "");
}

function networksOf(address: string): { key: string; scale: number }[] {
  if (isIPv4(address)) return [{ key: `net:${address.split(".").slice(0, 3).join(".")}.0/24`, scale: 1 }];
  const groups = expandIPv6(address);
  if (!groups) return [];
  const mapped = mappedIPv4(groups);
  if (mapped) return networksOf(mapped);
  const [a, b, c, d] = groups.slice(0, 4).map((group) => group.toString(16));
  const d56 = (Number.parseInt(d ?? "0", 16) & 0xff00).toString(16);
  return [
    { key: `net:${a}:${b}:${c}:${d56}::/56`, scale: 1 },
    { key: `net:${a}:${b}:${c}::/48`, scale: 4 },
  ];
}

function isIPv4(value: string): boolean {
  const parts = value.split(".");
  return parts.length === 4 && parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255 && !/^0\d/.test(part));
}

/** The eight 16-bit groups of an IPv6 address, or `null` when it is not one. */
function expandIPv6(value: string): number[] | null {
  let address = value.replace(/^\[|\]$/g, "").split("%")[0] ?? "";
  // An embedded IPv4 tail (::ffff:192.0.2.1) becomes two hex groups.
  const [, prefix, ipv4] = address.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/) ?? [];
  if (prefix !== undefined && ipv4 !== undefined) {
    if (!isIPv4(ipv4)) return null;
    const [a, b, c, d] = ipv4.split(".").map(Number) as [number, number, number, number];
    address = `${prefix}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = address.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string | undefined) => (part ? part.split(":") : []);
  const head = parse(halves[0]);
  const rest = parse(halves[1]);
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...rest];
  if (!groups.every((group) => /^[0-9a-fA-F]{1,4}$/.test(group))) return null;
  return groups.map((group) => Number.parseInt(group, 16));
}

function mappedIPv4(groups: number[]): string | null {
  const [high, low] = groups.slice(6);
  const isMapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (!isMapped || high === undefined || low === undefined) return null;
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}
