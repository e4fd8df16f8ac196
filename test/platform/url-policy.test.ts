import { describe, expect, it } from "vitest";
import { checkFetchUrl } from "../../src/platform/url-policy";

/**
 * The fetch policy against the IANA special-purpose address registries.
 * Pure checks of the policy function: nothing here is ever fetched.
 *
 * Each row: the registry's address block, its name and RFC, the first and
 * last address of the block, and whether a server-side fetcher may connect
 * to it. The rule: refused unless the registry says "Globally Reachable:
 * True"; a more specific entry that is globally reachable wins over the
 * block around it, as the registries' footnotes say ("Not usable unless by
 * virtue of a more specific reservation", "Unless allowed by a more specific
 * allocation"). Entries whose reachability is N/A or empty are refused.
 */
type Row = readonly [block: string, name: string, first: string, last: string, allowed: boolean];

const REFUSED = false;
const ALLOWED = true;

// IANA IPv4 Special-Purpose Address Registry (RFC 6890), every entry.
const IPV4_REGISTRY: Row[] = [
  ["0.0.0.0/8", '"This network" (RFC 791 §3.2)', "0.0.0.0", "0.255.255.255", REFUSED],
  ["0.0.0.0/32", '"This host on this network" (RFC 1122 §3.2.1.3)', "0.0.0.0", "0.0.0.0", REFUSED],
  ["10.0.0.0/8", "Private-Use (RFC 1918)", "10.0.0.0", "10.255.255.255", REFUSED],
  ["100.64.0.0/10", "Shared Address Space (RFC 6598)", "100.64.0.0", "100.127.255.255", REFUSED],
  ["127.0.0.0/8", "Loopback (RFC 1122 §3.2.1.3)", "127.0.0.0", "127.255.255.255", REFUSED],
  ["169.254.0.0/16", "Link Local (RFC 3927)", "169.254.0.0", "169.254.255.255", REFUSED],
  ["172.16.0.0/12", "Private-Use (RFC 1918)", "172.16.0.0", "172.31.255.255", REFUSED],
  ["192.0.0.0/24", "IETF Protocol Assignments (RFC 6890 §2.1)", "192.0.0.0", "192.0.0.255", REFUSED],
  ["192.0.0.0/29", "IPv4 Service Continuity Prefix (RFC 7335)", "192.0.0.0", "192.0.0.7", REFUSED],
  ["192.0.0.8/32", "IPv4 dummy address (RFC 7600)", "192.0.0.8", "192.0.0.8", REFUSED],
  ["192.0.0.9/32", "Port Control Protocol Anycast (RFC 7723), globally reachable", "192.0.0.9", "192.0.0.9", ALLOWED],
  ["192.0.0.10/32", "Traversal Using Relays around NAT Anycast (RFC 8155), globally reachable", "192.0.0.10", "192.0.0.10", ALLOWED],
  ["192.0.0.170/32", "NAT64/DNS64 Discovery (RFC 8880, RFC 7050 §2.2)", "192.0.0.170", "192.0.0.170", REFUSED],
  ["192.0.0.171/32", "NAT64/DNS64 Discovery (RFC 8880, RFC 7050 §2.2)", "192.0.0.171", "192.0.0.171", REFUSED],
  ["192.0.2.0/24", "Documentation, TEST-NET-1 (RFC 5737)", "192.0.2.0", "192.0.2.255", REFUSED],
  ["192.31.196.0/24", "AS112-v4 (RFC 7535), globally reachable", "192.31.196.0", "192.31.196.255", ALLOWED],
  ["192.52.193.0/24", "AMT (RFC 7450), globally reachable", "192.52.193.0", "192.52.193.255", ALLOWED],
  ["192.88.99.0/24", "Deprecated 6to4 Relay Anycast (RFC 7526), terminated", "192.88.99.0", "192.88.99.255", REFUSED],
  ["192.88.99.2/32", "6a44-relay anycast address (RFC 6751)", "192.88.99.2", "192.88.99.2", REFUSED],
  ["192.168.0.0/16", "Private-Use (RFC 1918)", "192.168.0.0", "192.168.255.255", REFUSED],
  ["192.175.48.0/24", "Direct Delegation AS112 Service (RFC 7534), globally reachable", "192.175.48.0", "192.175.48.255", ALLOWED],
  ["198.18.0.0/15", "Benchmarking (RFC 2544)", "198.18.0.0", "198.19.255.255", REFUSED],
  ["198.51.100.0/24", "Documentation, TEST-NET-2 (RFC 5737)", "198.51.100.0", "198.51.100.255", REFUSED],
  ["203.0.113.0/24", "Documentation, TEST-NET-3 (RFC 5737)", "203.0.113.0", "203.0.113.255", REFUSED],
  ["240.0.0.0/4", "Reserved (RFC 1112 §4)", "240.0.0.0", "255.255.255.255", REFUSED],
  ["255.255.255.255/32", "Limited Broadcast (RFC 8190, RFC 919 §7)", "255.255.255.255", "255.255.255.255", REFUSED],
];

// Not in the registry, refused all the same: a multicast group is no server to fetch from.
const IPV4_OTHER: Row[] = [["224.0.0.0/4", "Multicast (RFC 5771)", "224.0.0.0", "239.255.255.255", REFUSED]];

// IANA IPv6 Special-Purpose Address Registry (RFC 6890), every entry.
const IPV6_REGISTRY: Row[] = [
  ["::1/128", "Loopback Address (RFC 4291)", "::1", "::1", REFUSED],
  ["::/128", "Unspecified Address (RFC 4291)", "::", "::", REFUSED],
  ["::ffff:0:0/96", "IPv4-mapped Address (RFC 4291)", "::ffff:0:0", "::ffff:ffff:ffff", REFUSED],
  // Globally reachable, but the translator delivers to the embedded IPv4 address, and RFC 6052 §3.1
  // forbids non-global IPv4 under this prefix: its bounds embed 0.0.0.0 and 255.255.255.255.
  ["64:ff9b::/96", "IPv4-IPv6 Translat. (RFC 6052)", "64:ff9b::", "64:ff9b::ffff:ffff", REFUSED],
  ["64:ff9b:1::/48", "IPv4-IPv6 Translat., local use (RFC 8215)", "64:ff9b:1::", "64:ff9b:1:ffff:ffff:ffff:ffff:ffff", REFUSED],
  ["100::/64", "Discard-Only Address Block (RFC 6666)", "100::", "100::ffff:ffff:ffff:ffff", REFUSED],
  ["100:0:0:1::/64", "Dummy IPv6 Prefix (RFC 9780)", "100:0:0:1::", "100::1:ffff:ffff:ffff:ffff", REFUSED],
  ["2001::/23", "IETF Protocol Assignments (RFC 2928)", "2001::", "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", REFUSED],
  ["2001::/32", "TEREDO (RFC 4380, RFC 8190)", "2001::", "2001:0:ffff:ffff:ffff:ffff:ffff:ffff", REFUSED],
  ["2001:1::1/128", "Port Control Protocol Anycast (RFC 7723), globally reachable", "2001:1::1", "2001:1::1", ALLOWED],
  ["2001:1::2/128", "Traversal Using Relays around NAT Anycast (RFC 8155), globally reachable", "2001:1::2", "2001:1::2", ALLOWED],
  ["2001:1::3/128", "DNS-SD Service Registration Protocol Anycast (RFC 9665), globally reachable", "2001:1::3", "2001:1::3", ALLOWED],
  ["2001:2::/48", "Benchmarking (RFC 5180)", "2001:2::", "2001:2:0:ffff:ffff:ffff:ffff:ffff", REFUSED],
  ["2001:3::/32", "AMT (RFC 7450), globally reachable", "2001:3::", "2001:3:ffff:ffff:ffff:ffff:ffff:ffff", ALLOWED],
  ["2001:4:112::/48", "AS112-v6 (RFC 7535), globally reachable", "2001:4:112::", "2001:4:112:ffff:ffff:ffff:ffff:ffff", ALLOWED],
  ["2001:10::/28", "Deprecated, previously ORCHID (RFC 4843), terminated", "2001:10::", "2001:1f:ffff:ffff:ffff:ffff:ffff:ffff", REFUSED],
  ["2001:20::/28", "ORCHIDv2 (RFC 7343), globally reachable", "2001:20::", "2001:2f:ffff:ffff:ffff:ffff:ffff:ffff", ALLOWED],
  ["2001:30::/28", "Drone Remote ID Protocol Entity Tags (RFC 9374), globally reachable", "2001:30::", "2001:3f:ffff:ffff:ffff:ffff:ffff:ffff", ALLOWED],
  ["2001:db8::/32", "Documentation (RFC 3849)", "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", REFUSED],
  ["2002::/16", "6to4 (RFC 3056)", "2002::", "2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", REFUSED],
  ["2620:4f:8000::/48", "Direct Delegation AS112 Service (RFC 7534), globally reachable", "2620:4f:8000::", "2620:4f:8000:ffff:ffff:ffff:ffff:ffff", ALLOWED],
  ["3fff::/20", "Documentation (RFC 9637)", "3fff::", "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", REFUSED],
  ["5f00::/16", "Segment Routing (SRv6) SIDs (RFC 9602)", "5f00::", "5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff", REFUSED],
  ["fc00::/7", "Unique-Local (RFC 4193, RFC 8190)", "fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", REFUSED],
  ["fe80::/10", "Link-Local Unicast (RFC 4291)", "fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", REFUSED],
];

// Outside the special-purpose registry, refused all the same.
const IPV6_OTHER: Row[] = [
  ["fec0::/10", "Site-local, deprecated (RFC 3879)", "fec0::", "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", REFUSED],
  ["ff00::/8", "Multicast (RFC 4291 §2.7)", "ff00::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", REFUSED],
  ["::/96", "IPv4-compatible, deprecated (RFC 4291 §2.5.5.1)", "::", "::ffff:ffff", REFUSED],
  ["::ffff:0:0:0/96", "IPv4-translated (RFC 2765 §2.1)", "::ffff:0:0:0", "::ffff:0:ffff:ffff", REFUSED],
  // The IANA IPv6 Address Space registry allocates unicast only from 2000::/3; the rest is reserved by the IETF.
  ["::/3", "Reserved by IETF, below 2000::/3", "::", "1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", REFUSED],
  ["4000::/2", "Reserved by IETF and special use, above 2000::/3", "4000::", "7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", REFUSED],
  ["8000::/1", "Reserved by IETF and special use, above 2000::/3", "8000::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", REFUSED],
];

const host = (address: string) => (address.includes(":") ? `[${address}]` : address);
const verdict = (address: string) => checkFetchUrl(`http://${host(address)}/photo.jpg`, []);

function boundsOf(rows: Row[]) {
  return rows.flatMap(([block, name, first, last, allowed]) => [
    [block, name, "first", first, allowed] as const,
    [block, name, "last", last, allowed] as const,
  ]);
}

describe("fetch policy: IANA special-purpose addresses", () => {
  it.each(boundsOf([...IPV4_REGISTRY, ...IPV4_OTHER]))("IPv4 %s %s: %s address %s allowed=%s", (_block, _name, _which, address, allowed) => {
    const result = verdict(address);
    expect(result.ok).toBe(allowed);
    if (!result.ok) expect(result.reason).toBe("points to a private, loopback or reserved address");
  });

  it.each(boundsOf([...IPV6_REGISTRY, ...IPV6_OTHER]))("IPv6 %s %s: %s address %s allowed=%s", (_block, _name, _which, address, allowed) => {
    const result = verdict(address);
    expect(result.ok).toBe(allowed);
    if (!result.ok) expect(result.reason).toBe("points to a private, loopback or reserved address");
  });

  it.each([
    // Well-known public hosts.
    "8.8.8.8",
    "1.1.1.1",
    // One address outside each edge of the refused IPv4 blocks.
    "1.0.0.0",
    "9.255.255.255",
    "11.0.0.0",
    "100.63.255.255",
    "100.128.0.0",
    "126.255.255.255",
    "128.0.0.0",
    "169.253.255.255",
    "169.255.0.0",
    "172.15.255.255",
    "172.32.0.0",
    "191.255.255.255",
    "192.0.1.0",
    "192.0.3.0",
    "192.88.98.255",
    "192.88.100.0",
    "192.167.255.255",
    "192.169.0.0",
    "198.17.255.255",
    "198.20.0.0",
    "198.51.99.255",
    "198.51.101.0",
    "203.0.112.255",
    "203.0.114.0",
    "223.255.255.255",
    // Public IPv6 hosts, and one address outside each edge of the refused IPv6 blocks within 2000::/3.
    "2606:4700::1111",
    "2001:4860:4860::8888",
    "2000::",
    "2001:200::",
    "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff",
    "2001:db9::",
    "2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    "2003::",
    "3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    "3fff:1000::",
    "3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    // The NAT64 well-known prefix with a public IPv4 address (8.8.8.8) inside.
    "64:ff9b::808:808",
  ])("allows the public address %s", (address) => {
    expect(verdict(address)).toMatchObject({ ok: true });
  });

  it.each([
    // Inside 2001::/23 but in none of its globally reachable entries.
    ["2001:1::", "2001::/23 beside the anycast entries"],
    ["2001:1::4", "2001::/23 beside the anycast entries"],
    ["2001:4::1", "2001::/23 beside AS112-v6"],
    ["2001:4:113::", "2001::/23 just past AS112-v6"],
    ["2001:40::", "2001::/23 just past the DETs prefix"],
    // 6to4 and Teredo are refused whatever IPv4 address they embed: where a packet ends up is decided
    // by whichever relay picks it up, 6to4 relays were deprecated (RFC 7526) and no file host needs either.
    ["2002:7f00:1::", "6to4 embedding 127.0.0.1"],
    ["2002:a00:1::", "6to4 embedding 10.0.0.1"],
    ["2002:a9fe:a9fe::", "6to4 embedding 169.254.169.254"],
    ["2002:808:808::1", "6to4 embedding 8.8.8.8"],
    ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo, server 65.54.227.120"],
    ["2001:0:808:808::f7f7:f7f7", "Teredo, server 8.8.8.8"],
    // IPv4-mapped, IPv4-compatible and IPv4-translated forms of public and private IPv4 addresses.
    ["::ffff:7f00:1", "IPv4-mapped 127.0.0.1"],
    ["::ffff:a9fe:a9fe", "IPv4-mapped 169.254.169.254"],
    ["::ffff:808:808", "IPv4-mapped 8.8.8.8"],
    ["::7f00:1", "IPv4-compatible 127.0.0.1"],
    ["::808:808", "IPv4-compatible 8.8.8.8"],
    ["::ffff:0:7f00:1", "IPv4-translated 127.0.0.1"],
    ["::ffff:0:808:808", "IPv4-translated 8.8.8.8"],
    // NAT64 with non-global IPv4 addresses inside.
    ["64:ff9b::7f00:1", "NAT64 of 127.0.0.1"],
    ["64:ff9b::a00:1", "NAT64 of 10.0.0.1"],
    ["64:ff9b::a9fe:a9fe", "NAT64 of 169.254.169.254"],
    ["64:ff9b::c000:2aa", "NAT64 of 192.0.2.170"],
    ["fec0::1", "site-local"],
    ["100::1", "discard-only"],
    ["fe80::1", "link-local"],
    ["fd00:ec2::254", "the EC2 IPv6 metadata address (unique-local)"],
  ])("refuses %s (%s)", (address) => {
    expect(verdict(address)).toEqual({ ok: false, reason: "points to a private, loopback or reserved address" });
  });
});

describe("fetch policy: literal addresses in every spelling", () => {
  it.each([
    ["http://0177.0.0.1/", "octal 127.0.0.1"],
    ["http://0x7f.0.0.1/", "hex first part of 127.0.0.1"],
    ["http://0x7f000001/", "one hex number for 127.0.0.1"],
    ["http://2130706433/", "one decimal number for 127.0.0.1"],
    ["http://017700000001/", "one octal number for 127.0.0.1"],
    ["http://127.1/", "short form of 127.0.0.1"],
    ["http://127.0.0.1./", "trailing dot"],
    ["http://0/", "0.0.0.0 as one number"],
    ["http://10.1/", "short form of 10.0.0.1"],
    ["http://192.168.257/", "short form of 192.168.1.1"],
    ["http://0xa9fea9fe/", "169.254.169.254 as one hex number"],
    ["http://169.254.169.254/latest/meta-data/", "cloud metadata"],
    ["http://0xc0.0x58.0x63.0x02/", "6a44 relay anycast in hex parts"],
    ["http://4294967295/", "limited broadcast as one number"],
    ["http://[::ffff:127.0.0.1]/", "IPv4-mapped, dotted"],
    ["http://[0:0:0:0:0:FFFF:7F00:0001]/", "IPv4-mapped, long form, upper case"],
    ["http://[::ffff:0:127.0.0.1]/", "IPv4-translated, dotted"],
    ["http://[::127.0.0.1]/", "IPv4-compatible, dotted"],
    ["http://[2002:7f00:1::]/", "6to4 of 127.0.0.1"],
    ["http://[2002:7f00:0001::]/", "6to4 of 127.0.0.1, zero-padded"],
    ["http://[64:ff9b::127.0.0.1]/", "NAT64, dotted"],
    ["http://[fec0:0:0:0:0:0:0:1]/", "site-local, long form"],
    ["http://[0100::]/", "discard-only, zero-padded"],
    ["http://[::]/", "unspecified"],
    ["http://[::1]:8787/", "loopback with a port"],
  ])("refuses %s (%s)", (url) => {
    expect(checkFetchUrl(url, [])).toEqual({ ok: false, reason: "points to a private, loopback or reserved address" });
  });

  it.each([
    ["http://localhost/", "localhost"],
    ["http://printer.localhost/", "a localhost subdomain"],
    ["http://nas.local/", "mDNS"],
    ["http://metadata.google.internal/", "an internal name"],
    ["http://intranet/", "a single label"],
  ])("refuses %s (%s)", (url) => {
    expect(checkFetchUrl(url, [])).toEqual({ ok: false, reason: "points to a host inside a private network" });
  });

  it("allows public names", () => {
    expect(checkFetchUrl("https://images.example.com/a.jpg", [])).toMatchObject({ ok: true });
  });
});

describe("fetch policy: FETCH_ALLOW_HOSTS", () => {
  it.each([
    ["http://127.0.0.1:8787/a.png", ["127.0.0.1"]],
    ["http://127.0.0.1:8787/a.png", ["127.0.0.1:8787"]],
    ["http://localhost:8787/a.png", ["localhost"]],
    ["http://[::1]:8787/a.png", ["[::1]"]],
  ])("lets %s through when %j is listed", (url, allowHosts) => {
    expect(checkFetchUrl(url, allowHosts)).toMatchObject({ ok: true });
  });

  it.each([
    ["http://127.0.0.2/a.png", ["127.0.0.1"]],
    ["http://127.0.0.1:9000/a.png", ["127.0.0.1:8787"]],
    ["http://[::1]/a.png", ["127.0.0.1", "localhost"]],
  ])("still refuses %s when only %j is listed", (url, allowHosts) => {
    expect(checkFetchUrl(url, allowHosts).ok).toBe(false);
  });
});
