/**
 * IP addresses and networks: parsing (IPv4, IPv6 with `::` and an embedded IPv4 tail), CIDR
 * membership, and the allow-list discovery uses (`discovery.allowed_networks`). Link-local
 * addresses (169.254.0.0/16 — cloud metadata services live there — and fe80::/10) are never
 * allowed, whatever the list says.
 * @module
 */

export interface IpAddress {
  readonly family: 4 | 6;
  /** 4 or 16 bytes. */
  readonly bytes: Uint8Array;
}

export interface Cidr extends IpAddress {
  readonly prefix: number;
}

/** One address of a network interface of this host, as the runtime reports it. */
export interface HostInterface {
  readonly address: string;
  /** `192.168.1.10/24`; null when the runtime does not know the netmask. */
  readonly cidr: string | null;
}

export function parseIp(text: string): IpAddress | undefined {
  const value = text.trim().replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  if (!value.includes(":")) {
    const bytes = parseV4(value);
    return bytes ? { family: 4, bytes } : undefined;
  }
  const bytes = parseV6(value);
  return bytes ? { family: 6, bytes } : undefined;
}

export function isIpLiteral(text: string): boolean {
  return parseIp(text) !== undefined;
}

/** `10.0.0.0/8`, `fd00::/8`, or a single address (a /32 or /128). */
export function parseCidr(text: string): Cidr | undefined {
  const [address, prefixText, extra] = text.trim().split("/");
  if (address === undefined || extra !== undefined) return undefined;
  const ip = parseIp(address);
  if (!ip) return undefined;
  const max = ip.family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText ?? String(max)) || prefix > max) return undefined;
  return { ...ip, prefix };
}

export function inCidr(ip: IpAddress, cidr: Cidr): boolean {
  const address = ip.family === cidr.family ? ip : unmapped(ip);
  if (!address || address.family !== cidr.family) return false;
  let bits = cidr.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((address.bytes[i]! & mask) !== (cidr.bytes[i]! & mask)) return false;
  }
  return true;
}

const cidrs = (...texts: string[]) => texts.map((text) => parseCidr(text)!);
/** Never a backend address: link-local, where cloud metadata services answer. */
export const LINK_LOCAL = cidrs("169.254.0.0/16", "fe80::/10");
export const LOOPBACK = cidrs("127.0.0.0/8", "::1/128");
export const PRIVATE = cidrs("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7");

/**
 * The networks this host is on that are private or loopback: the default of
 * `discovery.allowed_networks`. Without interface data, every private and loopback range.
 */
export function hostNetworks(interfaces: readonly HostInterface[] | undefined): Cidr[] {
  if (!interfaces) return [...LOOPBACK, ...PRIVATE];
  const found: Cidr[] = [...LOOPBACK];
  for (const entry of interfaces) {
    const network = entry.cidr ? parseCidr(entry.cidr) : undefined;
    const ip = parseIp(entry.address);
    if (!network || !ip) continue;
    const local = [...LOOPBACK, ...PRIVATE].some((range) => inCidr(ip, range));
    if (local && !LINK_LOCAL.some((range) => inCidr(ip, range))) found.push(network);
  }
  return found;
}

export class NetworkAllowList {
  readonly #networks: readonly Cidr[];

  constructor(networks: readonly Cidr[]) {
    this.#networks = networks;
  }

  /** Whether `address` is in one of the networks (an arrow: it may be passed on alone). */
  readonly allows = (address: string): boolean => {
    const ip = parseIp(address);
    if (!ip || LINK_LOCAL.some((range) => inCidr(ip, range))) return false;
    return this.#networks.some((network) => inCidr(ip, network));
  };

  /** `10.0.0.0/8, 192.168.1.0/24` for a log line. */
  describe(): string {
    return this.#networks.map(formatCidr).join(", ");
  }
}

export function formatCidr(cidr: Cidr): string {
  if (cidr.family === 4) return `${[...cidr.bytes].join(".")}/${cidr.prefix}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((cidr.bytes[i]! << 8) | cidr.bytes[i + 1]!);
  // The longest run of zero groups (two or more) becomes `::` (RFC 5952).
  let best = { start: -1, length: 1 };
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((group) => group.toString(16));
  const text = best.start < 0
    ? hex.join(":")
    : `${hex.slice(0, best.start).join(":")}::${hex.slice(best.start + best.length).join(":")}`;
  return `${text}/${cidr.prefix}`;
}

function parseV4(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i]!) || Number(parts[i]) > 255) return undefined;
    bytes[i] = Number(parts[i]);
  }
  return bytes;
}

function parseV6(text: string): Uint8Array | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (half: string): number[] | undefined => {
    if (half === "") return [];
    const out: number[] = [];
    const parts = half.split(":");
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (i === parts.length - 1 && part.includes(".")) {
        const v4 = parseV4(part);
        if (!v4) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-f]{1,4}$/i.test(part)) out.push(parseInt(part, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  return bytes;
}

/** `::ffff:10.0.0.5` as the IPv4 address it carries. */
function unmapped(ip: IpAddress): IpAddress | undefined {
  if (ip.family !== 6) return undefined;
  const b = ip.bytes;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return undefined;
  if (b[10] !== 0xff || b[11] !== 0xff) return undefined;
  return { family: 4, bytes: b.slice(12) };
}
