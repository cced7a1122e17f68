/**
 * Fuzzing the packet path: random bytes and mutated real packets (Avahi captures, dns-packet
 * encodings) go through decode → browser → registry. Nothing may throw, the cache stays
 * bounded, and whatever reaches the registry has a safe name and a usable URL.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
  decodeMessage,
  Discovery,
  DnsFormatError,
  parseServiceType,
  ServiceBrowser,
} from "../../../src/discovery/mod.ts";
import { BACKEND_NAME_PATTERN, BACKEND_TYPES } from "../../../src/config/mod.ts";
import { silentLogger } from "../../../src/lib/logger.ts";
import { Registry } from "../../../src/registry/mod.ts";
import { FakeClock } from "../../helpers/fake-clock.ts";
import { avahiPacket } from "../../helpers/mdns-fixtures.ts";
import {
  createFakeMulticast,
  goodbyeRecords,
  responsePacket,
  serviceRecords,
} from "../../helpers/mdns-packets.ts";

const SEEDS: readonly Uint8Array[] = [
  avahiPacket("announce"),
  avahiPacket("goodbye"),
  avahiPacket("host"),
  responsePacket(serviceRecords({
    instance: "vllm box",
    service: "_llm._tcp.local",
    host: "box.local",
    port: 8000,
    addresses: ["10.0.0.5", "fd00::5"],
    txt: ["type=vllm", "api_path=/v1", "version=0.6.3"],
  })),
  responsePacket(goodbyeRecords({
    instance: "vllm box",
    service: "_llm._tcp.local",
    host: "box.local",
    port: 8000,
    addresses: ["10.0.0.5"],
  })),
];

type Mutation =
  | { kind: "flip"; at: number; value: number }
  | { kind: "truncate"; at: number }
  | { kind: "pointer"; at: number; target: number }
  | { kind: "splice"; from: number; to: number; length: number }
  | { kind: "count"; at: number; value: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), value: fc.nat(255) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("pointer" as const), at: fc.nat(), target: fc.nat(0x3fff) }),
  fc.record({
    kind: fc.constant("splice" as const),
    from: fc.nat(),
    to: fc.nat(),
    length: fc.nat(64),
  }),
  fc.record({ kind: fc.constant("count" as const), at: fc.nat(3), value: fc.nat(0xffff) }),
);

function mutate(seed: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let bytes = Array.from(seed);
  for (const m of mutations) {
    if (bytes.length === 0) break;
    const at = (n: number) => n % bytes.length;
    if (m.kind === "flip") bytes[at(m.at)] = m.value;
    else if (m.kind === "truncate") bytes = bytes.slice(0, at(m.at));
    else if (m.kind === "pointer") {
      const i = at(m.at);
      bytes.splice(i, 2, 0xc0 | (m.target >> 8), m.target & 0xff);
    } else if (m.kind === "splice") {
      const chunk = bytes.slice(at(m.from), at(m.from) + m.length);
      bytes.splice(at(m.to), 0, ...chunk);
    } else if (bytes.length >= 12) {
      const offset = 4 + 2 * m.at;
      bytes[offset] = m.value >> 8;
      bytes[offset + 1] = m.value & 0xff;
    }
  }
  return Uint8Array.from(bytes);
}

const packets = fc.oneof(
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 600 }) },
  {
    weight: 3,
    arbitrary: fc.tuple(
      fc.constantFrom(...SEEDS),
      fc.array(mutation, { minLength: 1, maxLength: 4 }),
    )
      .map(([seed, mutations]) => mutate(seed, mutations)),
  },
  { weight: 1, arbitrary: fc.constantFrom(...SEEDS) },
);

describe("mDNS packet handling under fuzzing", () => {
  test("decodeMessage() returns or throws DnsFormatError, nothing else", () => {
    fc.assert(
      fc.property(packets, (bytes) => {
        try {
          decodeMessage(bytes);
        } catch (error) {
          if (!(error instanceof DnsFormatError)) throw error;
        }
      }),
      { numRuns: 2000 },
    );
  });

  test("the browser never throws and its cache stays bounded", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(packets, fc.nat(5000)), { maxLength: 30 }), (steps) => {
        const clock = new FakeClock();
        const browser = new ServiceBrowser({
          clock,
          serviceTypes: ["_ollama._tcp", "_llm._tcp"].map(parseServiceType),
          port: 5353,
          send: () => {},
          onEvent: () => {},
        });
        browser.start();
        for (const [data, wait] of steps) {
          browser.handleDatagram({ data, address: "10.0.0.9", port: 5353 });
          clock.advance(wait);
        }
        expect(browser.cachedRecords).toBeLessThanOrEqual(512);
        browser.stop();
      }),
      { numRuns: 300 },
    );
  });

  test("whatever reaches the registry has a safe name, an http URL and a known type", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(packets, fc.nat(3000)), { maxLength: 20 }),
        async (steps) => {
          const clock = new FakeClock();
          const registry = new Registry();
          const socket = createFakeMulticast();
          const discovery = new Discovery({
            registry,
            clock,
            logger: silentLogger,
            config: { service_types: ["_ollama._tcp", "_llm._tcp"], grace_period_seconds: 2 },
            openSocket: socket.open,
            probe: () => Promise.resolve(),
          });
          await discovery.start();
          for (const [data, wait] of steps) {
            socket.deliver(data);
            clock.advance(wait);
            for (const backend of registry.list()) {
              expect(backend.name).toMatch(BACKEND_NAME_PATTERN);
              expect(new URL(backend.url).protocol).toBe("http:");
              expect(BACKEND_TYPES as readonly string[]).toContain(backend.type);
            }
          }
          await discovery.stop();
        },
      ),
      { numRuns: 150 },
    );
  });

  test("any instance label and TXT survive an independent encoder, and names come out safe", async () => {
    // No line terminators: dns-packet (the independent encoder) trims dots with a multiline regex
    // (/^\.|\.$/gm), so a label ending in \n, \r, U+2028 or U+2029 loses the dot after it and
    // merges with the next label (seen with seed 1826777215) — its bug, not the decoder's.
    const label = fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 })
      .filter((s) =>
        !s.includes(".") && !/[\n\r\u2028\u2029]/.test(s) &&
        new TextEncoder().encode(s).length <= 63
      );
    await fc.assert(
      fc.asyncProperty(
        label,
        fc.array(fc.string({ maxLength: 40 }), { maxLength: 5 }),
        fc.integer({ min: 1, max: 65535 }),
        async (instance, txt, port) => {
          const registry = new Registry();
          const socket = createFakeMulticast();
          const discovery = new Discovery({
            registry,
            clock: new FakeClock(),
            logger: silentLogger,
            config: { service_types: ["_llm._tcp"], grace_period_seconds: 60 },
            openSocket: socket.open,
            probe: () => Promise.resolve(),
          });
          await discovery.start();
          socket.deliver(responsePacket(serviceRecords({
            instance,
            service: "_llm._tcp.local",
            host: "h.local",
            port,
            addresses: ["10.0.0.5"],
            txt,
          })));
          expect(discovery.services.map((s) => s.instance)).toEqual([instance]);
          const [backend] = registry.list();
          expect(backend!.name).toMatch(BACKEND_NAME_PATTERN);
          expect(backend!.url.startsWith(`http://10.0.0.5:${port}`)).toBe(true);
          await discovery.stop();
        },
      ),
      { numRuns: 300 },
    );
  });
});
