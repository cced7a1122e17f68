/**
 * An mDNS flood (issue 14, item 8) with real packets on loopback: one burst of 2,000 fake
 * instances with a 4,500 s TTL (far more than the 512-record cache holds), then a real Ollama
 * announces itself. It must still be found and become routable — the flood may not lock the
 * cache for the TTL — and the cache stays bounded throughout.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { loadRuntime, type MulticastOptions } from "../../src/runtime/mod.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type Announcer, startAnnouncer } from "../helpers/mdns-announcer.ts";
import type { ServiceSpec } from "../helpers/mdns-packets.ts";
import { type MockBackend, startMockBackend, waitFor } from "../helpers/mock-backend.ts";
import { randomMdnsPort, uniqueLabel } from "../helpers/udp-port.ts";

const FLOOD = 2000;
/** Services per packet: a datagram stays well under the loopback MTU. */
const PER_PACKET = 10;
let socket: MulticastOptions;
let ollama: MockBackend;
let gateway: RunningGateway;
let flood: Announcer;
let real: Announcer | undefined;
const label = uniqueLabel("flood");

beforeAll(async () => {
  const runtime = await loadRuntime();
  socket = { interface: "127.0.0.1", port: randomMdnsPort() };
  ollama = await startMockBackend({ flavor: "ollama", models: [{ id: "real-model:1b" }] });
  gateway = await startGateway([], {
    discovery: { enabled: true, service_types: ["_ollama._tcp"] },
  }, { discovery: { openSocket: (options) => runtime.openMulticast(options), socket } });
  await gateway.gateway.start();
  flood = await startAnnouncer({ ...socket, services: [] });
});

afterAll(async () => {
  await gateway.gateway.stop();
  await gateway.close();
  await flood.close();
  await real?.close();
  await ollama.close();
});

/** Fake instances at documentation addresses (TEST-NET-2): nothing answers there. */
function fake(i: number): ServiceSpec {
  return {
    instance: `${label}-${i}`,
    service: "_ollama._tcp.local",
    host: `${label}-${i}.local`,
    port: 11434,
    addresses: [`198.51.100.${(i % 250) + 1}`],
    txt: ["type=ollama"],
    ttl: 4500,
  };
}

describe("after a burst of 2,000 long-lived announcements", () => {
  test("a real server announcing itself is still found and routable", async () => {
    for (let start = 0; start < FLOOD; start += PER_PACKET) {
      flood.setServices(Array.from({ length: PER_PACKET }, (_, k) => fake(start + k)));
      await flood.announce();
      // Paced a little, so the kernel's socket buffer does not drop the burst on the floor.
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    // The flood answers no queries afterwards: only its burst is in the caches.
    flood.setServices([]);
    const browser = gateway.gateway.discovery!;
    await waitFor(
      () => browser.services.some((s) => s.instance === `${label}-${FLOOD - 1}`),
      "the end of the flood to arrive",
    );
    const instance = uniqueLabel("ollama real");
    real = await startAnnouncer({
      ...socket,
      services: [{
        instance,
        service: "_ollama._tcp.local",
        host: "real-gpu.local",
        port: ollama.port,
        addresses: ["127.0.0.1"],
        txt: ["type=ollama"],
        ttl: 4500,
      }],
    });
    await real.announce();
    const name = instance.replace(" ", "-");
    await waitFor(
      () => gateway.gateway.registry.get(name)?.status === "healthy",
      "the real server to be found and healthy",
    );
    const models = await (await fetch(`${gateway.url}/v1/models`)).json();
    expect(models.data.map((m: { id: string }) => m.id)).toContain("real-model:1b");
    // None of the flood's addresses (outside this host's networks) became a backend.
    expect(gateway.gateway.registry.list().map((b) => b.name)).toEqual([name]);
  }, 60_000);
});
