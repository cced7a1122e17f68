/**
 * Discovery against the registry: real packets through a fake socket, a fake clock for TTLs and
 * the grace period, and a recording probe standing in for the health checker.
 */
import { describe, expect, test } from "bun:test";
import type { Answer } from "dns-packet";
import { Discovery } from "../../../src/discovery/mod.ts";
import { Logger } from "../../../src/lib/logger.ts";
import { type Backend, type BackendSpec, Registry } from "../../../src/registry/mod.ts";
import { MulticastError } from "../../../src/runtime/mod.ts";
import { FakeClock } from "../../helpers/fake-clock.ts";
import {
  createFakeMulticast,
  type FakeMulticast,
  goodbyeRecords,
  responsePacket,
  serviceRecords,
  type ServiceSpec,
} from "../../helpers/mdns-packets.ts";

const GPU: ServiceSpec = {
  instance: "gpu1",
  service: "_ollama._tcp.local",
  host: "gpu1.local",
  port: 11434,
  addresses: ["10.0.0.5"],
  txt: ["type=ollama", "version=0.5.7"],
  ttl: 4500,
};

interface Setup {
  static?: BackendSpec[];
  grace?: number;
  /** Probe outcome; "pending" leaves the backend unknown until `settleProbes()`. */
  probe?: "healthy" | "unhealthy" | "pending";
  socket?: FakeMulticast;
  open?: () => Promise<never>;
}

async function setup(options: Setup = {}) {
  const clock = new FakeClock();
  const registry = new Registry();
  for (const spec of options.static ?? []) registry.add(spec);
  const logs: Array<{ level: string; message: string } & Record<string, unknown>> = [];
  const logger = new Logger({
    level: "debug",
    format: "json",
    write: (line) => logs.push(JSON.parse(line)),
  });
  const socket = options.socket ?? createFakeMulticast();
  const probed: string[] = [];
  const pending: Array<() => void> = [];
  const discovery = new Discovery({
    registry,
    clock,
    logger,
    config: {
      service_types: ["_ollama._tcp", "_llm._tcp"],
      grace_period_seconds: options.grace ?? 60,
    },
    openSocket: options.open ?? socket.open,
    probe(backend: Backend) {
      probed.push(backend.name);
      const settle = () =>
        registry.setStatus(backend.name, options.probe === "unhealthy" ? "unhealthy" : "healthy");
      if (options.probe === "pending") pending.push(settle);
      else settle();
      return Promise.resolve();
    },
  });
  const started = await discovery.start();
  const announce = (...records: Answer[]) => socket.deliver(responsePacket(records));
  const messages = (text: string) => logs.filter((l) => l.message === text);
  const settleProbes = () => pending.splice(0).forEach((settle) => settle());
  return {
    clock,
    registry,
    discovery,
    socket,
    logs,
    probed,
    started,
    announce,
    messages,
    settleProbes,
  };
}

describe("Discovery", () => {
  test("a found instance is added unknown and probed at once; routable only after the probe", async () => {
    const { registry, announce, probed, messages, settleProbes } = await setup({
      probe: "pending",
    });
    announce(...serviceRecords(GPU));
    const backend = registry.get("gpu1")!;
    expect(backend).toMatchObject({
      url: "http://10.0.0.5:11434",
      type: "ollama",
      source: "mdns",
      priority: 50,
      status: "unknown",
      metadata: {
        version: "0.5.7",
        mdns_instance: "gpu1",
        mdns_service: "_ollama._tcp.local",
        mdns_host: "gpu1.local",
      },
    });
    expect(probed).toEqual(["gpu1"]);
    settleProbes();
    expect(backend.status).toBe("healthy");
    announce(...serviceRecords(GPU));
    expect(messages("mDNS: backend found")).toHaveLength(1);
    expect(messages("mDNS discovery started")[0]).toMatchObject({
      service_types: ["_ollama._tcp.local", "_llm._tcp.local"],
      interface: "all",
      port: 5353,
    });
  });

  test("static config wins: an instance at a configured backend's URL is ignored, logged once", async () => {
    const configured = {
      name: "box",
      url: "http://10.0.0.5:11434",
      type: "ollama",
      priority: 10,
      source: "static",
    } as const;
    const { registry, announce, probed, messages } = await setup({ static: [configured] });
    announce(...serviceRecords(GPU));
    announce(...serviceRecords(GPU));
    expect(registry.list().map((b) => b.name)).toEqual(["box"]);
    expect(probed).toEqual([]);
    expect(messages("mDNS: instance ignored, its URL belongs to another backend")).toEqual([
      expect.objectContaining({ instance: "gpu1", backend: "box", source: "static" }),
    ]);
  });

  test("names are sanitised; a clash gets -2, -3", async () => {
    const { registry, announce } = await setup({
      static: [{
        name: "gpu1",
        url: "http://10.9.9.9:1",
        type: "vllm",
        priority: 50,
        source: "static",
      }],
    });
    announce(...serviceRecords(GPU));
    announce(
      ...serviceRecords({ ...GPU, instance: "gpu1", service: "_llm._tcp.local", port: 8000 }),
    );
    announce(
      ...serviceRecords({
        ...GPU,
        instance: "My GPU (2)",
        host: "m.local",
        addresses: ["10.0.0.8"],
      }),
    );
    expect(registry.list().map((b) => `${b.name} ${b.url}`)).toEqual([
      "gpu1 http://10.9.9.9:1",
      "gpu1-2 http://10.0.0.5:11434",
      "gpu1-3 http://10.0.0.5:8000",
      "My-GPU-2 http://10.0.0.8:11434",
    ]);
  });

  test("goodbye: unknown and not probed, removed after the grace period; each logged once", async () => {
    const { clock, registry, discovery, announce, messages } = await setup({ grace: 30 });
    announce(...serviceRecords(GPU));
    const backend = registry.get("gpu1")!;
    announce(...goodbyeRecords(GPU));
    clock.advance(1000);
    expect(backend.status).toBe("unknown");
    expect(discovery.isSuspended(backend)).toBe(true);
    expect(messages("mDNS: backend lost")).toEqual([
      expect.objectContaining({ backend: "gpu1", reason: "goodbye", removal_in_seconds: 30 }),
    ]);
    clock.advance(29_999);
    expect(registry.get("gpu1")).toBe(backend);
    clock.advance(1);
    expect(registry.get("gpu1")).toBeUndefined();
    expect(messages("mDNS: backend removed")).toHaveLength(1);
    expect(messages("mDNS: backend lost")).toHaveLength(1);
  });

  test("records that expire without a goodbye lose the backend too", async () => {
    const { clock, registry, messages, announce } = await setup();
    announce(...serviceRecords({ ...GPU, ttl: 10 }));
    clock.advance(10_000);
    expect(registry.get("gpu1")!.status).toBe("unknown");
    expect(messages("mDNS: backend lost")[0]).toMatchObject({ reason: "expired" });
  });

  test("announced again within the grace period: removal cancelled, probed again", async () => {
    const { clock, registry, discovery, announce, probed, messages } = await setup({ grace: 30 });
    announce(...serviceRecords(GPU));
    const backend = registry.get("gpu1")!;
    announce(...goodbyeRecords(GPU));
    clock.advance(1000);
    clock.advance(10_000);
    announce(...serviceRecords(GPU));
    expect(discovery.isSuspended(backend)).toBe(false);
    expect(probed).toEqual(["gpu1", "gpu1"]);
    expect(backend.status).toBe("healthy");
    expect(messages("mDNS: backend announced again")).toHaveLength(1);
    clock.advance(60_000);
    expect(registry.get("gpu1")).toBe(backend);
  });

  test("a new address updates the backend in place; it is unknown until probed", async () => {
    const { clock, registry, announce, messages, settleProbes } = await setup({ probe: "pending" });
    announce(...serviceRecords(GPU));
    settleProbes();
    const backend = registry.get("gpu1")!;
    backend.requests = 3;
    clock.advance(5000);
    announce(...serviceRecords({ ...GPU, addresses: ["10.0.0.6"] }));
    clock.advance(1000);
    expect(registry.get("gpu1")).toBe(backend);
    expect(backend).toMatchObject({ url: "http://10.0.0.6:11434", status: "unknown", requests: 3 });
    expect(registry.findByUrl("http://10.0.0.5:11434")).toBeUndefined();
    settleProbes();
    expect(backend.status).toBe("healthy");
    expect(messages("mDNS: backend changed")).toEqual([
      expect.objectContaining({ from: "http://10.0.0.5:11434", to: "http://10.0.0.6:11434" }),
    ]);
  });

  test("a twin ignored for its URL takes over when the first one is removed", async () => {
    const { clock, registry, announce } = await setup({ grace: 0 });
    announce(...serviceRecords(GPU));
    announce(...serviceRecords({ ...GPU, service: "_llm._tcp.local", ttl: 4500 }));
    expect(registry.list().map((b) => b.name)).toEqual(["gpu1"]);
    announce(...goodbyeRecords(GPU));
    clock.advance(1000);
    expect(registry.list().map((b) => `${b.name} ${b.metadata?.mdns_service}`)).toEqual([
      "gpu1 _llm._tcp.local",
    ]);
  });

  test("a backend removed through the admin API stays out until it goes away and comes back", async () => {
    const { clock, registry, announce } = await setup({ grace: 0 });
    announce(...serviceRecords(GPU));
    registry.remove("gpu1");
    announce(...serviceRecords(GPU));
    clock.advance(60_000);
    expect(registry.size).toBe(0);
    announce(...goodbyeRecords(GPU));
    clock.advance(1000);
    announce(...serviceRecords(GPU));
    expect(registry.list().map((b) => b.name)).toEqual(["gpu1"]);
  });

  test("a socket that cannot open: one warning with the reason, start() is false", async () => {
    const { started, logs } = await setup({
      open: () => Promise.reject(new MulticastError("UDP port 5353 on 0.0.0.0 is in use")),
    });
    expect(started).toBe(false);
    expect(logs.filter((l) => l.level === "warn")).toEqual([
      expect.objectContaining({
        message: "mDNS discovery unavailable; serving configured backends only",
        reason: "UDP port 5353 on 0.0.0.0 is in use",
      }),
    ]);
  });

  test("queries that cannot be sent are warned about once", async () => {
    const socket = createFakeMulticast({
      sendError: new Error("send ENETUNREACH 224.0.0.251:5353"),
    });
    const { clock, logs } = await setup({ socket });
    for (let i = 0; i < 10; i++) clock.advance(1000);
    await Promise.resolve();
    expect(socket.sent.length).toBeGreaterThan(3);
    expect(logs.filter((l) => l.level === "warn")).toEqual([
      expect.objectContaining({
        message: "mDNS query could not be sent; discovery may find nothing",
        reason: "send ENETUNREACH 224.0.0.251:5353",
      }),
    ]);
  });

  test("an event that cannot be applied is logged, never thrown into the socket's callback", async () => {
    class BrokenRegistry extends Registry {
      override add(): Backend {
        throw new Error("registry is broken");
      }
    }
    const socket = createFakeMulticast();
    const logs: string[] = [];
    const discovery = new Discovery({
      registry: new BrokenRegistry(),
      clock: new FakeClock(),
      logger: new Logger({ level: "error", format: "json", write: (line) => logs.push(line) }),
      config: { service_types: ["_ollama._tcp"], grace_period_seconds: 60 },
      openSocket: socket.open,
      probe: () => Promise.resolve(),
    });
    await discovery.start();
    expect(() => socket.deliver(responsePacket(serviceRecords(GPU)))).not.toThrow();
    expect(logs.map((line) => JSON.parse(line))).toEqual([expect.objectContaining({
      message: "mDNS: could not apply a discovery event",
      event: "found",
      reason: "registry is broken",
    })]);
  });

  test("no service types: no socket is opened", async () => {
    const socket = createFakeMulticast();
    const discovery = new Discovery({
      registry: new Registry(),
      clock: new FakeClock(),
      logger: new Logger({ level: "error", format: "json", write: () => {} }),
      config: { service_types: [], grace_period_seconds: 60 },
      openSocket: socket.open,
      probe: () => Promise.resolve(),
    });
    expect(await discovery.start()).toBe(false);
    expect(socket.opened).toEqual([]);
  });

  test("stop() closes the socket and cancels pending removals", async () => {
    const { clock, registry, discovery, socket, announce } = await setup({ grace: 30 });
    announce(...serviceRecords(GPU));
    announce(...goodbyeRecords(GPU));
    clock.advance(1000);
    await discovery.stop();
    expect(socket.closed()).toBe(true);
    expect(clock.pending).toBe(0);
    clock.advance(60_000);
    expect(registry.get("gpu1")).toBeDefined();
  });
});
