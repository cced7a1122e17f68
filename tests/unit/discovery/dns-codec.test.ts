/**
 * The DNS codec against packets from two independent encoders: avahi-daemon 0.8 (captured in a
 * test namespace: host gpu-box, 10.231.9.1, `avahi-publish -s "ollama gpu1" _ollama._tcp 11434
 * type=ollama version=0.5.7`) and dns-packet; plus hand-made malformed bytes.
 */
import { describe, expect, test } from "bun:test";
import {
  decodeMessage,
  DnsFormatError,
  type DnsRecord,
  encodeQuery,
} from "../../../src/discovery/mod.ts";
import { formatIpv6 } from "../../../src/discovery/dns-codec.ts";
import { avahiPacket } from "../../helpers/mdns-fixtures.ts";
import { decodeSent, responsePacket, serviceRecords } from "../../helpers/mdns-packets.ts";

const text = (record: DnsRecord) => {
  const d = record.data;
  const data = "address" in d
    ? d.address
    : "target" in d && d.type === 12
    ? d.target.join("|")
    : "port" in d
    ? `${d.port} ${d.target.join("|")}`
    : d.strings.map((s) => new TextDecoder().decode(s)).join(",");
  return `${record.name.join("|")} ${d.type} ttl=${record.ttl}${
    record.cacheFlush ? " flush" : ""
  } ${data}`;
};

/** A header with the given counts, then `body`. */
const message = (counts: [number, number, number, number], ...body: number[]) =>
  Uint8Array.from([0, 0, 0x84, 0, ...counts.flatMap((n) => [n >> 8, n & 0xff]), ...body]);

describe("decodeMessage()", () => {
  test("reads Avahi's announcement: compressed names, every record type, cache-flush bits", () => {
    const decoded = decodeMessage(avahiPacket("announce"));
    expect(decoded.isResponse).toBe(true);
    expect(decoded.records.map(text)).toEqual([
      "ollama gpu1|_ollama|_tcp|local 16 ttl=4500 flush type=ollama,version=0.5.7",
      "_ollama|_tcp|local 12 ttl=4500 ollama gpu1|_ollama|_tcp|local",
      "ollama gpu1|_ollama|_tcp|local 33 ttl=120 flush 11434 gpu-box|local",
      "gpu-box|local 28 ttl=120 flush fe80::4c78:bcff:fee2:5df7",
      "gpu-box|local 1 ttl=120 flush 10.231.9.1",
      "_services|_dns-sd|_udp|local 12 ttl=4500 _ollama|_tcp|local",
    ]);
  });

  test("reads Avahi's goodbye: TTL 0 on the service records, the host's addresses kept", () => {
    const ttls = decodeMessage(avahiPacket("goodbye")).records.map((r) =>
      `${r.data.type}:${r.ttl}`
    );
    expect(ttls).toEqual(["12:0", "12:0", "33:0", "28:120", "1:120", "16:0"]);
  });

  test("keeps an instance label with dots and spaces as one label (dns-packet's encoding)", () => {
    const packet = responsePacket(serviceRecords({
      instance: "GPU box",
      service: "_llm._tcp.local",
      host: "gpu.local",
      port: 8000,
      addresses: ["fd00::5"],
      txt: ["type=vllm"],
    }));
    const [ptr] = decodeMessage(packet).records;
    expect(ptr!.data).toEqual({ type: 12, target: ["GPU box", "_llm", "_tcp", "local"] });
  });

  test("formats IPv6 addresses the RFC 5952 way", () => {
    const bytes = (hex: string) => Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
    expect(formatIpv6(bytes("fd000000000000000000000000000005"))).toBe("fd00::5");
    expect(formatIpv6(bytes("00000000000000000000000000000001"))).toBe("::1");
    expect(formatIpv6(bytes("20010db8000000010000000000000000"))).toBe("2001:db8:0:1::");
    expect(formatIpv6(bytes("20010db8000100020003000400050006"))).toBe("2001:db8:1:2:3:4:5:6");
    expect(formatIpv6(bytes("20010db8000000010001000000000001"))).toBe("2001:db8:0:1:1::1");
  });

  test("treats a TTL with the top bit set as 0 (RFC 2181 §8)", () => {
    const packet = message([0, 1, 0, 0], 1, 0x61, 0, 0, 1, 0, 1, 0x80, 0, 0, 0, 0, 4, 10, 0, 0, 1);
    expect(decodeMessage(packet).records[0]!.ttl).toBe(0);
  });

  test("skips record types and classes it does not read, and the authority section", () => {
    const nsec = [1, 0x61, 0, 0, 47, 0, 1, 0, 0, 0, 120, 0, 2, 0xc0, 12];
    const chaos = [1, 0x62, 0, 0, 1, 0, 3, 0, 0, 0, 120, 0, 4, 10, 0, 0, 1];
    const authority = [1, 0x63, 0, 0, 1, 0, 1, 0, 0, 0, 120, 0, 4, 10, 0, 0, 2];
    const packet = message([0, 2, 1, 0], ...nsec, ...chaos, ...authority);
    expect(decodeMessage(packet).records).toEqual([]);
  });
});

describe("decodeMessage() on malformed input", () => {
  const rejects = (bytes: Uint8Array, reason: string) =>
    expect(() => decodeMessage(bytes)).toThrow(new DnsFormatError(reason));

  test("a datagram shorter than a header", () => {
    rejects(Uint8Array.from([0, 0, 0x84]), "shorter than a DNS header");
  });

  test("a datagram over 9000 bytes (RFC 6762 §17)", () => {
    rejects(new Uint8Array(9001), "9001 bytes, over the mDNS limit of 9000");
  });

  test("section counts the bytes cannot hold", () => {
    rejects(message([0, 0xffff, 0, 0]), "section counts exceed the message");
  });

  test("a compression pointer to itself, or forwards: a loop", () => {
    rejects(
      message([0, 1, 0, 0], 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0),
      "compression pointer loops",
    );
    rejects(
      message([0, 1, 0, 0], 0xc0, 14, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0),
      "compression pointer loops",
    );
  });

  test("two names pointing at each other", () => {
    // PTR name at 12 is "a" + pointer to 27 (forward); the target there points back to 12.
    rejects(
      message([0, 1, 0, 0], 1, 0x61, 0xc0, 27, 0, 12, 0, 1, 0, 0, 0, 1, 0, 2, 0xc0, 12),
      "compression pointer loops",
    );
  });

  test("a reserved label type, and a name over 255 bytes", () => {
    rejects(message([0, 1, 0, 0], 0x40, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0), "reserved label type");
    const long = Array.from({ length: 5 }, () => [63, ...new Array(63).fill(0x61)]).flat();
    rejects(
      message([0, 1, 0, 0], ...long, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0),
      "name longer than 255 bytes",
    );
  });

  test("record data past the end, and address records of the wrong size", () => {
    rejects(
      message([0, 1, 0, 0], 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 9, 10, 0),
      "record data runs past the message",
    );
    rejects(
      message([0, 1, 0, 0], 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 3, 10, 0, 0),
      "A record of 3 bytes",
    );
    rejects(
      message([0, 1, 0, 0], 0, 0, 28, 0, 1, 0, 0, 0, 1, 0, 4, 10, 0, 0, 1),
      "AAAA record of 4 bytes",
    );
  });

  test("an SRV too short, a PTR whose name overruns its length, a TXT string past its record", () => {
    rejects(
      message([0, 1, 0, 0], 0, 0, 33, 0, 1, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 80),
      "SRV record of 6 bytes",
    );
    rejects(
      message([0, 1, 0, 0], 0, 0, 12, 0, 1, 0, 0, 0, 1, 0, 1, 1, 0x61, 0),
      "name does not match the record length",
    );
    rejects(
      message([0, 1, 0, 0], 0, 0, 16, 0, 1, 0, 0, 0, 1, 0, 2, 5, 0x61),
      "TXT string runs past the record",
    );
  });

  test("a huge TXT record within the size limit decodes into bounded strings", () => {
    const strings = Array.from({ length: 34 }, () => [255, ...new Array(255).fill(0x61)]).flat();
    const length = strings.length;
    const packet = message(
      [0, 1, 0, 0],
      0,
      0,
      16,
      0,
      1,
      0,
      0,
      0,
      1,
      length >> 8,
      length & 0xff,
      ...strings,
    );
    const [record] = decodeMessage(packet).records;
    expect(record!.data.type === 16 && record!.data.strings.length).toBe(34);
  });
});

describe("encodeQuery()", () => {
  test("encodes questions dns-packet reads back, labels with dots kept whole", () => {
    const bytes = encodeQuery([
      { name: ["_ollama", "_tcp", "local"], type: 12 },
      { name: ["gpu.box 1", "_llm", "_tcp", "local"], type: 33 },
    ]);
    const decoded = decodeSent(bytes);
    expect(decoded.type).toBe("query");
    expect(decoded.questions).toEqual([
      { name: "_ollama._tcp.local", type: "PTR", class: "IN" },
      // dns-packet joins labels with dots; the label itself went out as one 9-byte label.
      { name: "gpu.box 1._llm._tcp.local", type: "SRV", class: "IN" },
    ]);
    expect(decodeMessage(bytes).questions[1]!.name).toEqual(["gpu.box 1", "_llm", "_tcp", "local"]);
  });

  test("refuses a label over 63 bytes", () => {
    expect(() => encodeQuery([{ name: ["x".repeat(64)], type: 1 }])).toThrow(DnsFormatError);
  });
});
