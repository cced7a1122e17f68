/**
 * Discovery under hostile announcements (issue 14, item 8): the record cache evicts the least
 * recently confirmed record instead of refusing new ones, and bounds what one source address and
 * one service type may hold; link-local and not-allowed addresses never become backends; and only
 * a few discovered backends wait for their first probe at once.
 */
import { describe, expect, test } from "bun:test";
import type { Answer } from "dns-packet";
import { Discovery } from "../../../src/discovery/mod.ts";
import { RecordCache } from "../../../src/discovery/cache.ts";
import { RR_PTR } from "../../../src/discovery/dns-codec.ts";
import { Logger } from "../../../src/lib/logger.ts";
import { NetworkAllowList, parseCidr } from "../../../src/lib/networks.ts";
import { type Backend, Registry } from "../../../src/registry/mod.ts";
import { FakeClock } from "../../helpers/fake-clock.ts";
import {
  createFakeMulticast,
  responsePacket,
  serviceRecords,
  type ServiceSpec,
} from "../../helpers/mdns-packets.ts";

const ptr = (service: string, instance: string, ttl = 4500) =>
  ({
    name: service.split("."),
    ttl,
    cacheFlush: false,
    data: { type: RR_PTR, target: [instance, ...service.split(".")] },
  }) as unknown as Parameters<RecordCache["put"]>[0];

describe("RecordCache bounds", () => {
  test("full: the least recently confirmed record gives way; the new one gets in", () => {
    const cache = new RecordCache({ capacity: 10, perSource: 100, perServiceType: 100 });
    for (let i = 0; i < 10; i++) cache.put(ptr("_llm._tcp.local", `flood-${i}`), i);
    // flood-0 is confirmed again: flood-1 is now the least recently confirmed.
    cache.put(ptr("_llm._tcp.local", "flood-0"), 20);
    cache.put(ptr("_llm._tcp.local", "real"), 21);
    const targets = cache.find("_llm._tcp.local", RR_PTR).map((e) =>
      (e.record.data as unknown as { target: string[] }).target[0]
    );
    expect(cache.size).toBe(10);
    expect(targets).toContain("real");
    expect(targets).toContain("flood-0");
    expect(targets).not.toContain("flood-1");
  });

  test("one source holds at most perSource records; others are untouched", () => {
    const cache = new RecordCache({ capacity: 100, perSource: 5, perServiceType: 100 });
    cache.put(ptr("_llm._tcp.local", "neighbour"), 0, "10.0.0.2");
    for (let i = 0; i < 50; i++) cache.put(ptr("_llm._tcp.local", `spam-${i}`), i + 1, "10.0.0.66");
    const found = cache.find("_llm._tcp.local", RR_PTR);
    expect(found.filter((e) => e.source === "10.0.0.66").length).toBe(5);
    expect(found.some((e) => e.source === "10.0.0.2")).toBe(true);
  });

  test("one service type holds at most perServiceType records", () => {
    const cache = new RecordCache({ capacity: 100, perSource: 100, perServiceType: 4 });
    cache.put(ptr("_ollama._tcp.local", "gpu"), 0);
    for (let i = 0; i < 20; i++) cache.put(ptr("_llm._tcp.local", `spam-${i}`), i + 1);
    expect(cache.find("_llm._tcp.local", RR_PTR).length).toBe(4);
    expect(cache.find("_ollama._tcp.local", RR_PTR).length).toBe(1);
  });
});

const spec = (instance: string, address: string, port = 11434): ServiceSpec => ({
  instance,
  service: "_ollama._tcp.local",
  host: `${instance}.local`,
  port,
  addresses: [address],
  txt: ["type=ollama"],
  ttl: 4500,
});

async function discoveryWith(options: {
  acceptAddress?: (address: string) => boolean;
  settle?: boolean;
}) {
  const registry = new Registry();
  const logs: Array<Record<string, unknown>> = [];
  const socket = createFakeMulticast();
  const probed: string[] = [];
  const discovery = new Discovery({
    registry,
    clock: new FakeClock(),
    logger: new Logger({ level: "debug", format: "json", write: (l) => logs.push(JSON.parse(l)) }),
    config: { service_types: ["_ollama._tcp"], grace_period_seconds: 60 },
    openSocket: socket.open,
    probe(backend: Backend) {
      probed.push(backend.name);
      if (options.settle) registry.setStatus(backend.name, "unhealthy");
      return Promise.resolve();
    },
    ...(options.acceptAddress ? { acceptAddress: options.acceptAddress } : {}),
  });
  await discovery.start();
  const announce = (...records: Answer[]) => socket.deliver(responsePacket(records));
  return { registry, logs, probed, announce };
}

describe("announced addresses", () => {
  test("link-local (cloud metadata) never becomes a backend, whatever is allowed", async () => {
    const everything = new NetworkAllowList([parseCidr("0.0.0.0/0")!, parseCidr("::/0")!]);
    const { registry, announce, logs } = await discoveryWith({
      acceptAddress: (a) => everything.allows(a),
    });
    announce(...serviceRecords(spec("metadata", "169.254.169.254", 80)));
    announce(...serviceRecords(spec("gpu", "10.0.0.5")));
    expect(registry.list().map((b) => b.name)).toEqual(["gpu"]);
    expect(logs.some((l) => String(l.message).includes("allowed_networks"))).toBe(true);
  });

  test("only addresses in allowed_networks become backends", async () => {
    const allowed = new NetworkAllowList([parseCidr("192.168.1.0/24")!]);
    const { registry, announce } = await discoveryWith({ acceptAddress: (a) => allowed.allows(a) });
    announce(...serviceRecords(spec("inside", "192.168.1.20")));
    announce(...serviceRecords(spec("outside", "10.0.0.5")));
    expect(registry.list().map((b) => b.name)).toEqual(["inside"]);
  });
});

describe("backends waiting for their first probe", () => {
  test("at most 16 at once; the others are added as probes end", async () => {
    const { registry, announce, probed } = await discoveryWith({});
    for (let i = 0; i < 20; i++) announce(...serviceRecords(spec(`gpu${i}`, `10.0.0.${i + 1}`)));
    expect(registry.size).toBe(16);
    expect(probed.length).toBe(16);
    // A probe ends: one queued instance takes its place.
    registry.setStatus("gpu0", "unhealthy");
    expect(registry.size).toBe(17);
    for (const backend of registry.list()) registry.setStatus(backend.name, "healthy");
    expect(registry.size).toBe(20);
    expect(probed.length).toBe(20);
  });
});
