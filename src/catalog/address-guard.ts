import { BlockList, isIP } from 'node:net';

/**
 * Which addresses a user-supplied URL may reach. Anyone in a chat can name a URL, so the bot refuses
 * addresses inside its own network (loopback, private, link-local and metadata, …) unless the operator
 * allows them with FETCH_ALLOWED_PRIVATE. Pure: no DNS here; http-fetch.ts checks each address it connects to.
 */

export type RefusalReason =
  | 'loopback' | 'unspecified' | 'private' | 'carrier-grade NAT' | 'link-local' | 'unique-local' | 'multicast' | 'broadcast' | 'reserved';

type Range = [network: string, prefix: number, reason: RefusalReason];

// Order matters where ranges overlap: broadcast before reserved (240.0.0.0/4).
const IPV4_RANGES: Range[] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['127.0.0.0', 8, 'loopback'],
  ['10.0.0.0', 8, 'private'],
  ['172.16.0.0', 12, 'private'],
  ['192.168.0.0', 16, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['169.254.0.0', 16, 'link-local'],
  ['224.0.0.0', 4, 'multicast'],
  ['255.255.255.255', 32, 'broadcast'],
  ['240.0.0.0', 4, 'reserved'],
];

const IPV6_RANGES: Range[] = [
  ['::1', 128, 'loopback'],
  ['::', 128, 'unspecified'],
  ['fe80::', 10, 'link-local'],
  ['fc00::', 7, 'unique-local'],
  ['ff00::', 8, 'multicast'],
];

function blockListOf(ranges: Range[], family: 'ipv4' | 'ipv6'): Array<[BlockList, RefusalReason]> {
  return ranges.map(([network, prefix, reason]) => {
    const list = new BlockList();
    list.addSubnet(network, prefix, family);
    return [list, reason];
  });
}

const IPV4_REFUSED = blockListOf(IPV4_RANGES, 'ipv4');
const IPV6_REFUSED = blockListOf(IPV6_RANGES, 'ipv6');

/** The eight 16-bit groups of a valid IPv6 address (dotted IPv4 tail included). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? [] : Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...fill, ...tailGroups].map((group) => parseInt(group, 16));
}

/**
 * The IPv4 address an IPv6 address carries: IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d)
 * and NAT64 (64:ff9b::a.b.c.d) all end up at that IPv4 address. Null for any other IPv6 address.
 */
export function embeddedIPv4(address: string): string | null {
  if (isIP(address) !== 6) return null;
  const groups = ipv6Groups(address);
  const zeros = (from: number, to: number) => groups.slice(from, to).every((group) => group === 0);
  const mapped = zeros(0, 5) && groups[5] === 0xffff;
  const compatible = zeros(0, 6) && !zeros(6, 8) && !(zeros(6, 7) && groups[7] === 1);
  const nat64 = groups[0] === 0x64 && groups[1] === 0xff9b && zeros(2, 6);
  if (!mapped && !compatible && !nat64) return null;
  const high = groups[6] ?? 0;
  const low = groups[7] ?? 0;
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

/** Why an IP address is refused regardless of any allow-list, or null for a public address. */
export function refusalReason(address: string): RefusalReason | null {
  const family = isIP(address);
  if (family === 0) throw new TypeError('not an IP address');
  const ipv4 = family === 4 ? address : embeddedIPv4(address);
  const [value, rules] = ipv4 === null ? [address, IPV6_REFUSED] : [ipv4, IPV4_REFUSED];
  const type = ipv4 === null ? 'ipv6' : 'ipv4';
  return rules.find(([list]) => list.check(value, type))?.[1] ?? null;
}

/** What FETCH_ALLOWED_PRIVATE lets through: CIDRs (or single addresses) and exact host names. */
export interface AllowList {
  addresses: BlockList;
  hosts: ReadonlySet<string>;
}

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

const normaliseHost = (host: string): string => host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');

/** An allow-list entry as [network, prefix, family] for a CIDR or address, a host name, or null when it is neither. */
function parseEntry(entry: string): { cidr: [string, number, 'ipv4' | 'ipv6'] } | { host: string } | null {
  const text = normaliseHost(entry);
  const slash = text.indexOf('/');
  const network = slash < 0 ? text : text.slice(0, slash);
  const family = isIP(network);
  if (family !== 0) {
    const bits = family === 4 ? 32 : 128;
    const prefixText = slash < 0 ? String(bits) : text.slice(slash + 1);
    const prefix = Number(prefixText);
    if (!/^\d{1,3}$/.test(prefixText) || prefix > bits) return null;
    return { cidr: [network, prefix, family === 4 ? 'ipv4' : 'ipv6'] };
  }
  return slash < 0 && HOST_NAME.test(text) && !/^[\d.]+$/.test(text) ? { host: text } : null;
}

/** True for what FETCH_ALLOWED_PRIVATE may hold: a CIDR such as 10.0.0.0/8 or fd00::/8, an address, or a host name. */
export const isAllowListEntry = (entry: string): boolean => parseEntry(entry) !== null;

/** Builds the allow-list; entries that are neither a CIDR nor a host name throw (config validates them first). */
export function parseAllowList(entries: readonly string[]): AllowList {
  const addresses = new BlockList();
  const hosts = new Set<string>();
  for (const entry of entries) {
    const parsed = parseEntry(entry);
    if (parsed === null) throw new TypeError(`not a CIDR or host name: ${entry}`);
    if ('host' in parsed) hosts.add(parsed.host);
    else addresses.addSubnet(...parsed.cidr);
  }
  return { addresses, hosts };
}

export const EMPTY_ALLOW_LIST: AllowList = parseAllowList([]);

/** True when the host name itself is on the allow-list: then every address it resolves to may be fetched. */
export function isAllowedHost(host: string, allow: AllowList): boolean {
  return allow.hosts.has(normaliseHost(host));
}

function isAllowedAddress(address: string, allow: AllowList): boolean {
  if (allow.addresses.check(address, isIP(address) === 4 ? 'ipv4' : 'ipv6')) return true;
  const ipv4 = embeddedIPv4(address);
  return ipv4 !== null && allow.addresses.check(ipv4, 'ipv4');
}

/** Why connecting to `address` (reached through `host`) is refused, or null when it may be fetched. */
export function addressRefusal(address: string, allow: AllowList, host?: string): RefusalReason | null {
  const reason = refusalReason(address);
  if (reason === null) return null;
  if ((host !== undefined && isAllowedHost(host, allow)) || isAllowedAddress(address, allow)) return null;
  return reason;
}
