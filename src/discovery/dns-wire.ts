/**
 * Low-level readers of the DNS wire format, each bounds-checked: names (with compression),
 * TXT strings, IPv6 text, big-endian integers. Anything malformed throws `DnsFormatError`.
 * @module
 */
import type { DnsName } from "./dns-codec.ts";

export class DnsFormatError extends Error {
  override readonly name = "DnsFormatError";
}

const MAX_NAME_BYTES = 255;
const utf8 = new TextDecoder("utf-8", { fatal: false });

/** Reads a possibly compressed name; returns it and the offset just after it in place. */
export function readName(bytes: Uint8Array, start: number): [DnsName, number] {
  const labels: string[] = [];
  let offset = start;
  // A pointer must target bytes before the labels it continues, so offsets strictly decrease
  // across jumps and a malicious pointer cycle is impossible.
  let segmentStart = start;
  let end = -1;
  let nameBytes = 1;
  for (;;) {
    if (offset >= bytes.length) throw new DnsFormatError("name runs past the message");
    const length = bytes[offset]!;
    if (length === 0) {
      if (end < 0) end = offset + 1;
      return [labels, end];
    }
    if ((length & 0xc0) === 0xc0) {
      if (offset + 1 >= bytes.length) throw new DnsFormatError("name runs past the message");
      const pointer = ((length & 0x3f) << 8) | bytes[offset + 1]!;
      if (pointer >= segmentStart) throw new DnsFormatError("compression pointer loops");
      if (end < 0) end = offset + 2;
      offset = segmentStart = pointer;
      continue;
    }
    if ((length & 0xc0) !== 0) throw new DnsFormatError("reserved label type");
    if (offset + 1 + length > bytes.length) throw new DnsFormatError("label runs past the message");
    nameBytes += length + 1;
    if (nameBytes > MAX_NAME_BYTES) throw new DnsFormatError("name longer than 255 bytes");
    labels.push(utf8.decode(bytes.subarray(offset + 1, offset + 1 + length)));
    offset += 1 + length;
  }
}

export function readStrings(bytes: Uint8Array, start: number, end: number): Uint8Array[] {
  const strings: Uint8Array[] = [];
  for (let offset = start; offset < end;) {
    const length = bytes[offset]!;
    if (offset + 1 + length > end) throw new DnsFormatError("TXT string runs past the record");
    strings.push(bytes.slice(offset + 1, offset + 1 + length));
    offset += 1 + length;
  }
  return strings;
}

/** RFC 5952 text form: lower-case hex, the longest run of two or more zero groups as `::`. */
export function formatIpv6(bytes: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j > i ? j : i + 1;
  }
  if (bestStart < 0) return groups.join(":");
  const head = groups.slice(0, bestStart).join(":");
  const tail = groups.slice(bestStart + bestLength).join(":");
  return `${head}::${tail}`;
}

export function u16(bytes: Uint8Array, at: number): number {
  if (at + 2 > bytes.length) throw new DnsFormatError("message truncated");
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

export function u32(bytes: Uint8Array, at: number): number {
  if (at + 4 > bytes.length) throw new DnsFormatError("message truncated");
  return ((bytes[at]! << 24) >>> 0) +
    ((bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!);
}
