/**
 * Which caller-supplied URLs the service may fetch (SSRF defence). Pure: it
 * looks only at the URL. Refused: schemes other than http/https, embedded
 * credentials, IP literals in private, loopback, link-local, shared, multicast
 * or reserved ranges (IPv4 and IPv6, including IPv4-mapped IPv6), and names
 * that only make sense inside a network (localhost, *.local, *.internal,
 * metadata hosts, single-label names). Hosts listed in FETCH_ALLOW_HOSTS are
 * let through (local development serves test files from 127.0.0.1).
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

export function isPublicIpv4([a, b, c]: number[]): boolean {
  if (a === undefined || b === undefined || c === undefined) return false;
  if (a === 0 || a === 10 || a === 127 || a >= 224) return false; // this-network, private, loopback, multicast/reserved
  if (a === 100 && b >= 64 && b <= 127) return false; // carrier-grade NAT
  if (a === 169 && b === 254) return false; // link-local, cloud metadata
  if (a === 172 && b >= 16 && b <= 31) return false;
  if (a === 192 && b === 168) return false;
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return false; // IETF protocol assignments, TEST-NET-1
  if (a === 198 && (b === 18 || b === 19)) return false; // benchmarking
  if (a === 198 && b === 51 && c === 100) return false; // TEST-NET-2
  if (a === 203 && b === 0 && c === 113) return false; // TEST-NET-3
  return true;
}

function ipv6Words(host: string): number[] | null {
  if (!host.startsWith("[") || !host.endsWith("]")) return null;
  const text = host.slice(1, -1).toLowerCase();
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
  const words = [...headParts, ...Array(tail === null ? 0 : missing).fill("0"), ...tailParts].map((w) => parseInt(w, 16));
  return words.length === 8 && words.every((w) => w >= 0 && w <= 0xffff) ? words : null;
}

function isPublicIpv6(words: number[]): boolean {
  const [w0 = 0, w1 = 0, , , , w5 = 0, w6 = 0, w7 = 0] = words;
  if (words.every((w) => w === 0)) return false; // ::
  if (words.slice(0, 7).every((w) => w === 0) && w7 === 1) return false; // ::1
  const mappedV4 = words.slice(0, 5).every((w) => w === 0) && (w5 === 0xffff || w5 === 0);
  if (mappedV4) return isPublicIpv4([w6 >> 8, w6 & 0xff, w7 >> 8, w7 & 0xff]); // ::ffff:a.b.c.d and ::a.b.c.d
  if (w0 === 0x64 && w1 === 0xff9b) return isPublicIpv4([w6 >> 8, w6 & 0xff, w7 >> 8, w7 & 0xff]); // NAT64
  if ((w0 & 0xfe00) === 0xfc00) return false; // unique local fc00::/7
  if ((w0 & 0xffc0) === 0xfe80) return false; // link-local fe80::/10
  if ((w0 & 0xff00) === 0xff00) return false; // multicast
  if (w0 === 0x2001 && w1 === 0xdb8) return false; // documentation
  return true;
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
  const v6 = ipv6Words(host);
  if (host.startsWith("[")) {
    return v6 && isPublicIpv6(v6) ? { ok: true, url } : { ok: false, reason: "points to a private, loopback or reserved address" };
  }
  if (!host.includes(".") || BLOCKED_NAMES.some((pattern) => pattern.test(host))) {
    return { ok: false, reason: "points to a host inside a private network" };
  }
  return { ok: true, url };
}
