/**
 * The waker on a fake clock: one magic packet per wake attempt however many requests wait,
 * packets again every 10 s and probes every 2 s until the backend answers, a deadline that ends
 * in `wake_timeout` (with Retry-After), a send that fails in `wake_failed`, and a request that
 * leaves without ending the wake for the others.
 */
import { describe, expect, test } from "bun:test";
import { validateConfig } from "../../../src/config/mod.ts";
import { silentLogger } from "../../../src/lib/logger.ts";
import { type Backend, Registry } from "../../../src/registry/mod.ts";
import {
  macOfMagicPacket,
  MAGIC_PACKET_BYTES,
  magicPacket,
  parseMac,
  RESEND_MS,
  WAKE_PROBE_MS,
  Waker,
} from "../../../src/wake/mod.ts";
import { FakeClock } from "../../helpers/fake-clock.ts";

const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

function setup(options: { sendError?: string; timeout?: number } = {}) {
  const clock = new FakeClock();
  const registry = new Registry();
  const wake = validateConfig({
    backends: [{
      url: "http://gpu.lan:11434",
      wake: { mac: "AA-BB-CC-DD-EE-01", timeout_seconds: options.timeout ?? 60 },
    }],
  }).config.backends[0]!.wake!;
  const backend = registry.add({
    name: "gpu",
    url: "http://gpu.lan:11434",
    type: "ollama",
    priority: 50,
    source: "static",
    wake,
  }, { status: "asleep" });
  const packets: Array<{ data: Uint8Array; address: string; port: number }> = [];
  const probes: string[] = [];
  const woke: number[] = [];
  const waker = new Waker({
    registry,
    clock,
    logger: silentLogger,
    send: (data, address, port) => {
      if (options.sendError) return Promise.reject(new Error(options.sendError));
      packets.push({ data, address, port });
      return Promise.resolve();
    },
    probe: (b) => {
      probes.push(b.name);
      return Promise.resolve();
    },
    hooks: { onWoke: (_b, ms) => woke.push(ms) },
  });
  return { clock, registry, backend, waker, packets, probes, woke };
}

describe("the magic packet", () => {
  test("six 0xFF, then the MAC sixteen times: 102 bytes", () => {
    const packet = magicPacket("aa:bb:cc:dd:ee:01");
    expect(packet.length).toBe(MAGIC_PACKET_BYTES);
    expect([...packet.subarray(0, 6)]).toEqual([255, 255, 255, 255, 255, 255]);
    for (let i = 0; i < 16; i++) {
      expect([...packet.subarray(6 + i * 6, 12 + i * 6)]).toEqual([
        0xaa,
        0xbb,
        0xcc,
        0xdd,
        0xee,
        1,
      ]);
    }
    expect(macOfMagicPacket(packet)).toBe("aa:bb:cc:dd:ee:01");
  });

  test("dashes and upper case are the same MAC; anything else is refused", () => {
    expect([...parseMac("AA-BB-CC-DD-EE-01")]).toEqual([0xaa, 0xbb, 0xcc, 0xdd, 0xee, 1]);
    expect(() => parseMac("aa:bb:cc:dd:ee")).toThrow(/not a MAC address/);
    expect(macOfMagicPacket(new Uint8Array(102))).toBeUndefined();
  });
});

describe("Waker", () => {
  test("concurrent requests share one attempt: one packet, to the configured broadcast and port", async () => {
    const { waker, backend, packets, clock, registry } = setup();
    const signal = new AbortController().signal;
    const waits = [1, 2, 3].map(() => waker.wait([backend], signal));
    await flush();
    expect(packets.length).toBe(1);
    expect(packets[0]!.address).toBe("255.255.255.255");
    expect(packets[0]!.port).toBe(9);
    expect(macOfMagicPacket(packets[0]!.data)).toBe("aa:bb:cc:dd:ee:01");
    clock.advance(5_000);
    registry.setStatus("gpu", "healthy");
    expect(await Promise.all(waits)).toEqual([undefined, undefined, undefined]);
    expect(waker.waking).toEqual([]);
  });

  test("probes every 2 s and sends again every 10 s until the backend answers", async () => {
    const { waker, backend, packets, probes, clock, registry, woke } = setup();
    const wait = waker.wait([backend], new AbortController().signal);
    await flush();
    clock.advance(WAKE_PROBE_MS);
    expect(probes.length).toBe(1);
    clock.advance(RESEND_MS - WAKE_PROBE_MS);
    await flush();
    expect(packets.length).toBe(2);
    expect(probes.length).toBe(RESEND_MS / WAKE_PROBE_MS);
    registry.setStatus("gpu", "healthy");
    expect(await wait).toBeUndefined();
    expect(woke).toEqual([RESEND_MS]);
    // Nothing is sent or probed once it is up.
    clock.advance(60_000);
    await flush();
    expect(packets.length).toBe(2);
    expect(probes.length).toBe(RESEND_MS / WAKE_PROBE_MS);
  });

  test("past timeout_seconds: wake_timeout with Retry-After, and the next request wakes anew", async () => {
    const { waker, backend, packets, clock } = setup({ timeout: 30 });
    const wait = waker.wait([backend], new AbortController().signal);
    await flush();
    clock.advance(30_000);
    const failure = await wait;
    expect(failure?.kind).toBe("wake_timeout");
    expect(failure?.retryAfter).toBe("30");
    expect(failure?.message).toContain("did not wake within 30 s");
    const sent = packets.length;
    void waker.wait([backend], new AbortController().signal);
    await flush();
    expect(packets.length).toBe(sent + 1);
  });

  test("a packet that cannot be sent: wake_failed naming the reason", async () => {
    const { waker, backend } = setup({ sendError: "EACCES: permission denied" });
    const failure = await waker.wait([backend], new AbortController().signal);
    expect(failure?.kind).toBe("wake_failed");
    expect(failure?.message).toContain("EACCES");
    expect(await waker.begin(backend)).toMatchObject({ kind: "wake_failed" });
  });

  test("a request that leaves gets client_closed; the wake goes on for the others", async () => {
    const { waker, backend, registry } = setup();
    const leaving = new AbortController();
    const first = waker.wait([backend], leaving.signal);
    const second = waker.wait([backend], new AbortController().signal);
    await flush();
    leaving.abort();
    expect((await first)?.kind).toBe("client_closed");
    expect(waker.waking.map((b: Backend) => b.name)).toEqual(["gpu"]);
    registry.setStatus("gpu", "healthy");
    expect(await second).toBeUndefined();
  });

  test("an awake backend: nothing is sent", async () => {
    const { waker, backend, registry, packets } = setup();
    registry.setStatus("gpu", "healthy");
    expect(await waker.wait([backend], new AbortController().signal)).toBeUndefined();
    expect(packets.length).toBe(0);
  });

  test("stop ends every attempt with shutting_down", async () => {
    const { waker, backend } = setup();
    const wait = waker.wait([backend], new AbortController().signal);
    await flush();
    waker.stop();
    expect((await wait)?.kind).toBe("shutting_down");
  });
});
