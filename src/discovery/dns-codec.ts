/**
 * The DNS wire format as mDNS uses it (RFC 1035 §4, RFC 6762): decodes the records discovery
 * reads (A, AAAA, PTR, SRV, TXT) and encodes queries. Every datagram is untrusted input, so each
 * length is checked against the message, a compression pointer must point before the labels it
 * continues (a pointer can therefore never loop), and anything malformed throws
 * `DnsFormatError` — the caller drops the whole packet.
 * @module
 */

export const RR_A = 1;
export const RR_PTR = 12;
export const RR_TXT = 16;
export const RR_AAAA = 28;
export const RR_SRV = 33;

/** RFC 6762 §17: an mDNS message is at most 9000 bytes; anything larger is not one. */
export const MAX_MESSAGE_BYTES = 9000;
const MAX_NAME_BYTES = 255;
const CLASS_IN = 1;
const HEADER_BYTES = 12;
/** Smallest question (root name + type + class) and record (+ ttl + rdlength). */
const MIN_QUESTION_BYTES = 5;
const MIN_RECORD_BYTES = 11;

/** A domain name as its labels, case kept; a label may itself contain dots (instance names). */
export type DnsName = readonly string[];

export type RecordData =
  | { readonly type: typeof RR_A | typeof RR_AAAA; readonly address: string }
  | { readonly type: typeof RR_PTR; readonly target: DnsName }
  | {
    readonly type: typeof RR_SRV;
    readonly priority: number;
    readonly weight: number;
    readonly port: number;
    readonly target: DnsName;
  }
  | { readonly type: typeof RR_TXT; readonly strings: readonly Uint8Array[] };

export interface DnsRecord {
  readonly name: DnsName;
  /** Seconds; RFC 2181 §8: a value with the top bit set counts as 0. */
  readonly ttl: number;
  /** RFC 6762 §10.2: this record replaces older ones of the same name and type. */
  readonly cacheFlush: boolean;
  readonly data: RecordData;
}

export interface DnsQuestion {
  readonly name: DnsName;
  readonly type: number;
}

export interface DnsMessage {
  readonly isResponse: boolean;
  readonly opcode: number;
  readonly rcode: number;
  readonly questions: readonly DnsQuestion[];
  /** Answer and additional records of the kinds above (others are skipped), in order. */
  readonly records: readonly DnsRecord[];
}

export class DnsFormatError extends Error {
  override readonly name = "DnsFormatError";
}

const utf8 = new TextDecoder("utf-8", { fatal: false });
const utf8Encoder = new TextEncoder();

export function decodeMessage(bytes: Uint8Array): DnsMessage {
  if (bytes.length < HEADER_BYTES) throw new DnsFormatError("shorter than a DNS header");
  if (bytes.length > MAX_MESSAGE_BYTES) {
    throw new DnsFormatError(`${bytes.length} bytes, over the mDNS limit of 9000`);
  }
  const flags = u16(bytes, 2);
  const [questionCount, answerCount, authorityCount, additionalCount] = [4, 6, 8, 10].map((at) =>
    u16(bytes, at)
  ) as [number, number, number, number];
  const recordCount = answerCount + authorityCount + additionalCount;
  // Counts are 16-bit and attacker-chosen: refuse at once what the bytes cannot hold.
  if (
    HEADER_BYTES + questionCount * MIN_QUESTION_BYTES + recordCount * MIN_RECORD_BYTES >
      bytes.length
  ) {
    throw new DnsFormatError("section counts exceed the message");
  }
  let offset = HEADER_BYTES;
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < questionCount; i++) {
    const [name, end] = readName(bytes, offset);
    questions.push({ name, type: u16(bytes, end) });
    u16(bytes, end + 2);
    offset = end + 4;
  }
  const records: DnsRecord[] = [];
  for (let i = 0; i < recordCount; i++) {
    const [record, end] = readRecord(bytes, offset);
    const inAuthority = i >= answerCount && i < answerCount + authorityCount;
    if (record && !inAuthority) records.push(record);
    offset = end;
  }
  return {
    isResponse: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    rcode: flags & 0xf,
    questions,
    records,
  };
}

/** A query for each question, multicast-response (QM) style, no known answers. */
export function encodeQuery(questions: readonly DnsQuestion[]): Uint8Array {
  const parts: number[] = [
    0,
    0,
    0,
    0,
    questions.length >> 8,
    questions.length & 0xff,
    0,
    0,
    0,
    0,
    0,
    0,
  ];
  for (const question of questions) {
    let nameBytes = 0;
    for (const label of question.name) {
      const encoded = utf8Encoder.encode(label);
      if (encoded.length === 0 || encoded.length > 63) {
        throw new DnsFormatError(`label "${label}" must be 1 to 63 bytes`);
      }
      nameBytes += encoded.length + 1;
      parts.push(encoded.length, ...encoded);
    }
    if (nameBytes + 1 > MAX_NAME_BYTES) throw new DnsFormatError("name longer than 255 bytes");
    parts.push(0, question.type >> 8, question.type & 0xff, 0, CLASS_IN);
  }
  return Uint8Array.from(parts);
}

function readRecord(bytes: Uint8Array, offset: number): [DnsRecord | undefined, number] {
  const [name, afterName] = readName(bytes, offset);
  const type = u16(bytes, afterName);
  const classField = u16(bytes, afterName + 2);
  const rawTtl = u32(bytes, afterName + 4);
  const length = u16(bytes, afterName + 8);
  const start = afterName + 10;
  const end = start + length;
  if (end > bytes.length) throw new DnsFormatError("record data runs past the message");
  if ((classField & 0x7fff) !== CLASS_IN) return [undefined, end];
  const data = readData(bytes, type, start, end);
  if (!data) return [undefined, end];
  const ttl = rawTtl > 0x7fffffff ? 0 : rawTtl;
  return [{ name, ttl, cacheFlush: (classField & 0x8000) !== 0, data }, end];
}

function readData(
  bytes: Uint8Array,
  type: number,
  start: number,
  end: number,
): RecordData | undefined {
  const length = end - start;
  switch (type) {
    case RR_A:
      if (length !== 4) throw new DnsFormatError(`A record of ${length} bytes`);
      return { type, address: Array.from(bytes.subarray(start, end)).join(".") };
    case RR_AAAA:
      if (length !== 16) throw new DnsFormatError(`AAAA record of ${length} bytes`);
      return { type, address: formatIpv6(bytes.subarray(start, end)) };
    case RR_PTR:
      return { type, target: readNameExactly(bytes, start, end) };
    case RR_SRV:
      if (length < 7) throw new DnsFormatError(`SRV record of ${length} bytes`);
      return {
        type,
        priority: u16(bytes, start),
        weight: u16(bytes, start + 2),
        port: u16(bytes, start + 4),
        target: readNameExactly(bytes, start + 6, end),
      };
    case RR_TXT:
      return { type, strings: readStrings(bytes, start, end) };
    default:
      return undefined;
  }
}

/** A name that must fill the record data exactly (PTR, SRV target). */
function readNameExactly(bytes: Uint8Array, start: number, end: number): DnsName {
  const [name, after] = readName(bytes, start);
  if (after !== end) throw new DnsFormatError("name does not match the record length");
  return name;
}

/** Reads a possibly compressed name; returns it and the offset just after it in place. */
function readName(bytes: Uint8Array, start: number): [DnsName, number] {
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

function readStrings(bytes: Uint8Array, start: number, end: number): Uint8Array[] {
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

function u16(bytes: Uint8Array, at: number): number {
  if (at + 2 > bytes.length) throw new DnsFormatError("message truncated");
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

function u32(bytes: Uint8Array, at: number): number {
  if (at + 4 > bytes.length) throw new DnsFormatError("message truncated");
  return ((bytes[at]! << 24) >>> 0) +
    ((bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!);
}
