/**
 * The DNS wire format as mDNS uses it (RFC 1035 §4, RFC 6762): decodes the records discovery
 * reads (A, AAAA, PTR, SRV, TXT) and encodes queries. Every datagram is untrusted input, so each
 * length is checked against the message, a compression pointer must point before the labels it
 * continues (a pointer can therefore never loop), and anything malformed throws
 * `DnsFormatError` — the caller drops the whole packet.
 * @module
 */
import { DnsFormatError, formatIpv6, readName, readStrings, u16, u32 } from "./dns-wire.ts";

export { DnsFormatError, formatIpv6 };

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
