/**
 * The SSRF guard: which URLs and addresses an outbound request to a user-supplied URL may reach.
 *
 * Only public unicast addresses pass. The check here runs at registration (`assertPublicUrl`); the same
 * address test runs again at connect time in `safe-fetch.ts`, because a name may resolve differently
 * later (DNS rebinding). `allowPrivate` (AUDENCI_ALLOW_PRIVATE_URLS) lifts the guard for local work.
 */
import dns, { type LookupAddress, type LookupAllOptions } from 'node:dns';
import net from 'node:net';

export type UnsafeReason =
  'scheme' | 'credentials' | 'too_long' | 'invalid' | 'private_address' | 'unresolvable';

/** A URL the guard refuses. The message never contains the URL itself (it may carry tokens). */
export class UnsafeUrlError extends Error {
  constructor(
    readonly reason: UnsafeReason,
    message: string,
    /** The refused address, for `private_address`; it may reveal what the user's DNS answers. */
    readonly address?: string,
  ) {
    super(message);
    this.name = 'UnsafeUrlError';
  }
}

/** A `dns.lookup`-compatible resolver, always called with `all: true`. Tests inject one. */
export type LookupFn = (
  hostname: string,
  options: LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

export interface OutboundGuardOptions {
  /** Lift the guard entirely (AUDENCI_ALLOW_PRIVATE_URLS=true): local development and tests. */
  allowPrivate: boolean;
  /** The resolver; `dns.lookup` by default. */
  lookup?: LookupFn;
  /**
   * Exact IP addresses let through although private, for an operator who must reach one internal host,
   * and for tests that need a local server to count as public while everything else stays refused.
   */
  allowAddresses?: readonly string[];
}

export const MAX_URL_LENGTH = 2048;

/** Parses and checks scheme/credentials/length; throws UnsafeUrlError. */
export function parseOutboundUrl(raw: string): URL {
  if (raw.length > MAX_URL_LENGTH) {
    throw new UnsafeUrlError('too_long', `URL is longer than ${MAX_URL_LENGTH} characters`);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeUrlError('invalid', 'URL is not valid');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UnsafeUrlError('scheme', 'URL scheme must be http or https');
  }
  if (url.username !== '' || url.password !== '') {
    throw new UnsafeUrlError('credentials', 'URL must not contain credentials');
  }
  if (url.hostname === '') throw new UnsafeUrlError('invalid', 'URL has no host');
  return url;
}

type Parsed = { v: 4; n: number } | { v: 6; g: number[] };

/** IPv4 ranges that are not public unicast: [network, prefix length]. */
const V4_BLOCKED: ReadonlyArray<readonly [number, number]> = (
  [
    ['0.0.0.0', 8], // "this network", unspecified
    ['10.0.0.0', 8], // private
    ['100.64.0.0', 10], // CGNAT; holds Alibaba's metadata 100.100.100.200
    ['127.0.0.0', 8], // loopback
    ['169.254.0.0', 16], // link-local; cloud metadata 169.254.169.254
    ['172.16.0.0', 12], // private
    ['192.0.0.0', 24], // IETF protocol assignments
    ['192.0.2.0', 24], // documentation (TEST-NET-1)
    ['192.88.99.0', 24], // 6to4 relay anycast, deprecated
    ['192.168.0.0', 16], // private
    ['198.18.0.0', 15], // benchmarking
    ['198.51.100.0', 24], // documentation (TEST-NET-2)
    ['203.0.113.0', 24], // documentation (TEST-NET-3)
    ['224.0.0.0', 4], // multicast
    ['240.0.0.0', 4], // reserved, and 255.255.255.255 broadcast
  ] as const
).map(([ip, bits]) => [v4ToInt(ip), bits] as const);

function v4ToInt(dotted: string): number {
  return dotted.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

function v4IsPrivate(n: number): boolean {
  return V4_BLOCKED.some(
    ([net4, bits]) => Math.floor(n / 2 ** (32 - bits)) === Math.floor(net4 / 2 ** (32 - bits)),
  );
}

function v6IsPrivate(g: number[]): boolean {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  // Forms that carry an IPv4 address are judged by it: mapped ::ffff:0:0/96, NAT64 64:ff9b::/96, 6to4.
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff)
    return v4IsPrivate(g6 * 65536 + g7);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return v4IsPrivate(g6 * 65536 + g7);
  }
  if (g0 === 0x2002) return v4IsPrivate(g1 * 65536 + g2);
  // Only 2000::/3 is global unicast. Outside it: ::, ::1, IPv4-compatible ::/96, fc00::/7 unique-local
  // (fd00:ec2::254 is AWS metadata), fe80::/10 link-local, fec0::/10 site-local, ff00::/8 multicast.
  if ((g0 & 0xe000) !== 0x2000) return true;
  if (g0 === 0x2001 && g1 < 0x0200) return true; // 2001::/23 IETF assignments: Teredo, benchmarking, ORCHID
  if (g0 === 0x2001 && g1 === 0x0db8) return true; // documentation
  if (g0 === 0x3fff && g1 < 0x1000) return true; // documentation 3fff::/20
  return false;
}

/** Any textual IP form to its value; null if `ip` is not an IP literal. */
function parseAddress(ip: string): Parsed | null {
  let s = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  if (s.includes(':')) {
    s = s.replace(/%.*$/, ''); // a zone id (fe80::1%eth0) does not change the class
    return net.isIPv6(s) ? { v: 6, g: v6Groups(s) } : null;
  }
  if (net.isIPv4(s)) return { v: 4, n: v4ToInt(s) };
  // Hex, octal and short forms (0x7f.1, 017700000001, 127.1): normalise them as the URL parser does, so
  // this agrees with what a URL with that host would connect to.
  if (!/^[0-9a-fA-FxX.]+$/.test(s)) return null;
  try {
    const host = new URL(`http://${s}/`).hostname;
    return net.isIPv4(host) ? { v: 4, n: v4ToInt(host) } : null;
  } catch {
    return null;
  }
}

/** Eight 16-bit groups of a valid IPv6 literal, with `::` expanded and a dotted IPv4 tail converted. */
function v6Groups(s: string): number[] {
  const toGroups = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((h) => {
          if (!h.includes('.')) return [parseInt(h, 16)];
          const n = v4ToInt(h);
          return [Math.floor(n / 65536), n % 65536];
        });
  const [head = '', tail] = s.split('::');
  const hg = toGroups(head);
  if (tail === undefined) return hg;
  const tg = toGroups(tail);
  return [...hg, ...new Array<number>(8 - hg.length - tg.length).fill(0), ...tg];
}

/** True if the IP literal (v4 or v6, any form) is not a public unicast address. Non-IPs count as private. */
export function isPrivateAddress(ip: string): boolean {
  const p = parseAddress(ip);
  if (p === null) return true;
  return p.v === 4 ? v4IsPrivate(p.n) : v6IsPrivate(p.g);
}

/** One spelling per address, so allow-list entries match whatever form the resolver returns. */
function addressKey(ip: string): string | null {
  const p = parseAddress(ip);
  if (p === null) return null;
  return p.v === 4 ? `4:${p.n}` : `6:${p.g.join(':')}`;
}

/** Throws UnsafeUrlError unless `ip` may be connected to under `options`. */
export function assertAllowedAddress(ip: string, options: OutboundGuardOptions): void {
  if (options.allowPrivate || !isPrivateAddress(ip)) return;
  const key = addressKey(ip);
  if (key !== null && options.allowAddresses?.some((a) => addressKey(a) === key)) return;
  throw new UnsafeUrlError('private_address', 'URL host is not a public address', ip);
}

/** The URL's host as an IP literal without brackets, or null for a name. */
export function ipLiteralHost(url: URL): string | null {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return net.isIP(host) === 0 ? null : host;
}

/**
 * What `assertPublicUrl` checks without resolving a name: the URL's form (scheme, credentials, length)
 * and, for an IP-literal host, its address. Throws UnsafeUrlError. For input checks, where every problem
 * of a request is listed before anything is looked up.
 */
export function assertUrlForm(raw: string, options: OutboundGuardOptions): URL {
  const url = parseOutboundUrl(raw);
  const literal = ipLiteralHost(url);
  if (literal !== null) assertAllowedAddress(literal, options);
  return url;
}

/**
 * Registration check: parse, resolve the host (all addresses), refuse if any is private. IP-literal hosts
 * are checked without DNS. With `allowPrivate` nothing is resolved. Connect time checks again.
 */
export async function assertPublicUrl(raw: string, options: OutboundGuardOptions): Promise<URL> {
  const url = parseOutboundUrl(raw);
  if (options.allowPrivate) return url;
  const literal = ipLiteralHost(url);
  if (literal !== null) {
    assertAllowedAddress(literal, options);
    return url;
  }
  const lookup = options.lookup ?? dns.lookup;
  const addresses = await new Promise<LookupAddress[]>((resolve) => {
    try {
      lookup(url.hostname, { all: true }, (err, found) => resolve(err ? [] : found));
    } catch {
      resolve([]); // dns.lookup throws synchronously on some malformed names
    }
  });
  if (addresses.length === 0) throw new UnsafeUrlError('unresolvable', 'URL host does not resolve');
  for (const { address } of addresses) assertAllowedAddress(address, options);
  return url;
}
