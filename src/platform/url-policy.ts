/**
 * Which caller-supplied URLs the service may fetch (SSRF defence). Pure: it
 * looks only at the URL. Refused: schemes other than http/https, embedded
 * credentials, IP literals the IANA special-purpose address registries do not
 * mark globally reachable (private, loopback, link-local, shared,
 * documentation, benchmarking, reserved and the like, IPv4 and IPv6), IPv4
 * multicast, IPv6 outside 2000::/3, every IPv6 form that carries an IPv4
 * address except NAT64 of a public one, and names that only make sense
 * inside a network (localhost, *.local, *.internal, metadata hosts,
 * single-label names). Hosts listed in FETCH_ALLOW_HOSTS are let through
 * (local development serves test files from 127.0.0.1).
 *
 * Names are not resolved here: Workers have no DNS API. In production the
 * Workers runtime cannot open connections to private networks, which is what
 * stops a public name that resolves to a private address; redirects are
 * checked hop by hop with this same policy (src/files/fetch-source.ts).
 */
export type UrlVerdict = { ok: true; url: URL } | { ok: false; reason: string };

const BLOCKED_NAMES = [/^localhost$/, /\.localhost$/, /\.local$/, /\.internal$/, /\.intranet$/, /\.lan$/, /\.home\.arpa$/, /^metadata$/, /^instance-data$/];

function ipv4Parts(host: string): number[] | null {
  const parts = host.split(".");
  if (parts.length !== 4) return null;
  const numbers = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
  return numbers.every((n) => n >= 0 && n <= 255) ? numbers : null;
}

function ipv6Words(text: string): number[] | null {
  // The URL parser already normalised the form; expand "::" and a trailing dotted quad.
  let [head, tail] = text.includes("::") ? (text.split("::") as [string, string]) : [text, null];
  const parse = (s: string) => (s ? s.split(":") : []);
  let headParts = parse(head);
  let tailParts = tail === null ? [] : parse(tail);
  const last = (tail === null ? headParts : tailParts).at(-1);
  const dotted = last && last.includes(".") ? ipv4Parts(last) : null;
  const lastWords = dotted ? [((dotted[0]! << 8) | dotted[1]!).toString(16), ((dotted[2]! << 8) | dotted[3]!).toString(16)] : null;
  if (lastWords) {
    if (tail === null) headParts = [...headParts.slice(0, -1), ...lastWords];
    else tailParts = [...tailParts.slice(0, -1), ...lastWords];
  }
  const missing = 8 - headParts.length - tailParts.length;
  if (tail === null ? missing !== 0 : missing < 0) return null;
  const words = [...headParts, ...Array(tail === null ? 0 : missing).fill("0"), ...tailParts].map((w) => (/^[0-9a-f]{1,4}$/.test(w) ? parseInt(w, 16) : NaN));
  return words.length === 8 && words.every((w) => w >= 0 && w <= 0xffff) ? words : null;
}

/** An address as one unsigned number (32 bits for IPv4, 128 for IPv6), so that a block is a prefix test. */
const ipv4Number = (parts: number[]) => parts.reduce((n, part) => (n << 8n) | BigInt(part), 0n);
const ipv6Number = (words: number[]) => words.reduce((n, word) => (n << 16n) | BigInt(word), 0n);

interface Block {
  base: bigint;
  length: number;
  /** The registry's "Globally Reachable"; N/A, empty (terminated) and blocks outside the registry count as false. */
  reachable: boolean;
}

function block(bits: 32 | 128, cidr: string, reachable: boolean): Block {
  const [address = "", length = ""] = cidr.split("/");
  const parts = bits === 32 ? ipv4Parts(address) : ipv6Words(address);
  if (!parts) throw new Error(`bad block ${cidr}`);
  return { base: bits === 32 ? ipv4Number(parts) : ipv6Number(parts), length: Number(length), reachable };
}

function contains(outer: Block, bits: 32 | 128, address: bigint): boolean {
  const shift = BigInt(bits - outer.length);
  return address >> shift === outer.base >> shift;
}

/**
 * The verdict of the most specific block holding the address, or null when
 * none does. Most specific wins because the registries say so: their few
 * globally reachable entries sit inside blocks that are not ("not usable
 * unless by virtue of a more specific reservation").
 */
function lookup(blocks: readonly Block[], bits: 32 | 128, address: bigint): boolean | null {
  let best: Block | null = null;
  for (const candidate of blocks) {
    if (contains(candidate, bits, address) && (!best || candidate.length > best.length)) best = candidate;
  }
  return best ? best.reachable : null;
}

// IANA IPv4 Special-Purpose Address Registry, every entry; then multicast.
const IPV4_BLOCKS: readonly Block[] = (
  [
    ["0.0.0.0/8", false], // "This network" (RFC 791)
    ["0.0.0.0/32", false], // "This host on this network" (RFC 1122)
    ["10.0.0.0/8", false], // Private-Use (RFC 1918)
    ["100.64.0.0/10", false], // Shared Address Space, carrier-grade NAT (RFC 6598)
    ["127.0.0.0/8", false], // Loopback (RFC 1122)
    ["169.254.0.0/16", false], // Link Local, cloud metadata (RFC 3927)
    ["172.16.0.0/12", false], // Private-Use (RFC 1918)
    ["192.0.0.0/24", false], // IETF Protocol Assignments (RFC 6890)
    ["192.0.0.0/29", false], // IPv4 Service Continuity Prefix (RFC 7335)
    ["192.0.0.8/32", false], // IPv4 dummy address (RFC 7600)
    ["192.0.0.9/32", true], // Port Control Protocol Anycast (RFC 7723)
    ["192.0.0.10/32", true], // Traversal Using Relays around NAT Anycast (RFC 8155)
    ["192.0.0.170/32", false], // NAT64/DNS64 Discovery (RFC 8880, RFC 7050)
    ["192.0.0.171/32", false], // NAT64/DNS64 Discovery (RFC 8880, RFC 7050)
    ["192.0.2.0/24", false], // Documentation, TEST-NET-1 (RFC 5737)
    ["192.31.196.0/24", true], // AS112-v4 (RFC 7535)
    ["192.52.193.0/24", true], // AMT (RFC 7450)
    ["192.88.99.0/24", false], // Deprecated 6to4 Relay Anycast (RFC 7526), terminated
    ["192.88.99.2/32", false], // 6a44-relay anycast address (RFC 6751)
    ["192.168.0.0/16", false], // Private-Use (RFC 1918)
    ["192.175.48.0/24", true], // Direct Delegation AS112 Service (RFC 7534)
    ["198.18.0.0/15", false], // Benchmarking (RFC 2544)
    ["198.51.100.0/24", false], // Documentation, TEST-NET-2 (RFC 5737)
    ["203.0.113.0/24", false], // Documentation, TEST-NET-3 (RFC 5737)
    ["240.0.0.0/4", false], // Reserved (RFC 1112)
    ["255.255.255.255/32", false], // Limited Broadcast (RFC 8190, RFC 919)
    ["224.0.0.0/4", false], // Multicast (RFC 5771): a group, not a server to fetch from
  ] as const
).map(([cidr, reachable]) => block(32, cidr, reachable));

// IANA IPv6 Special-Purpose Address Registry, every entry inside 2000::/3 (everything outside it is refused anyway).
const IPV6_BLOCKS: readonly Block[] = (
  [
    ["2001::/23", false], // IETF Protocol Assignments (RFC 2928)
    // Teredo (RFC 4380) and 6to4 (RFC 3056) are refused whatever IPv4 address they embed: which host a
    // packet reaches is up to whichever relay picks it up (6to4 relays were deprecated, RFC 7526), the
    // registry does not call either globally reachable, and no file host needs them.
    ["2001::/32", false], // Teredo
    ["2001:1::1/128", true], // Port Control Protocol Anycast (RFC 7723)
    ["2001:1::2/128", true], // Traversal Using Relays around NAT Anycast (RFC 8155)
    ["2001:1::3/128", true], // DNS-SD Service Registration Protocol Anycast (RFC 9665)
    ["2001:2::/48", false], // Benchmarking (RFC 5180)
    ["2001:3::/32", true], // AMT (RFC 7450)
    ["2001:4:112::/48", true], // AS112-v6 (RFC 7535)
    ["2001:10::/28", false], // Deprecated, previously ORCHID (RFC 4843), terminated
    ["2001:20::/28", true], // ORCHIDv2 (RFC 7343)
    ["2001:30::/28", true], // Drone Remote ID Protocol Entity Tags (RFC 9374)
    ["2001:db8::/32", false], // Documentation (RFC 3849)
    ["2002::/16", false], // 6to4
    ["2620:4f:8000::/48", true], // Direct Delegation AS112 Service (RFC 7534)
    ["3fff::/20", false], // Documentation (RFC 9637)
  ] as const
).map(([cidr, reachable]) => block(128, cidr, reachable));

const GLOBAL_UNICAST = block(128, "2000::/3", true);
const NAT64_WELL_KNOWN = block(128, "64:ff9b::/96", true);

export function isPublicIpv4(parts: number[]): boolean {
  if (parts.length !== 4) return false;
  return lookup(IPV4_BLOCKS, 32, ipv4Number(parts)) ?? true;
}

function isPublicIpv6(words: number[]): boolean {
  const address = ipv6Number(words);
  // NAT64 (RFC 6052) delivers to the embedded IPv4 address, which §3.1 requires to be global.
  if (contains(NAT64_WELL_KNOWN, 128, address)) return isPublicIpv4([words[6]! >> 8, words[6]! & 0xff, words[7]! >> 8, words[7]! & 0xff]);
  // IANA allocates global unicast only from 2000::/3 (IPv6 Address Space registry). Everything else is
  // reserved or special: ::, ::1, IPv4-mapped, -compatible and -translated forms, 64:ff9b:1::/48,
  // 100::/64, 5f00::/16, unique-local, link-local, deprecated site-local fec0::/10 and multicast.
  if (!contains(GLOBAL_UNICAST, 128, address)) return false;
  return lookup(IPV6_BLOCKS, 128, address) ?? true;
}

export function checkFetchUrl(raw: string, allowHosts: readonly string[]): UrlVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "is not a valid URL" };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return { ok: false, reason: "must use http or https" };
  if (url.username || url.password) return { ok: false, reason: "must not contain credentials" };
  const host = url.hostname.toLowerCase().replace(/\.$/, "");
  if (allowHosts.includes(host) || allowHosts.includes(url.host.toLowerCase())) return { ok: true, url };

  const v4 = ipv4Parts(host);
  if (v4) return isPublicIpv4(v4) ? { ok: true, url } : { ok: false, reason: "points to a private, loopback or reserved address" };
  if (host.startsWith("[")) {
    const v6 = host.endsWith("]") ? ipv6Words(host.slice(1, -1)) : null;
    return v6 && isPublicIpv6(v6) ? { ok: true, url } : { ok: false, reason: "points to a private, loopback or reserved address" };
  }
  if (!host.includes(".") || BLOCKED_NAMES.some((pattern) => pattern.test(host))) {
    return { ok: false, reason: "points to a host inside a private network" };
  }
  return { ok: true, url };
}
