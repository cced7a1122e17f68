/**
 * Discovery with real packets on loopback: a `multicast-dns` responder announces a mock Ollama on
 * a private UDP port (interface 127.0.0.1, so nothing leaves this machine); a gateway on the
 * runtime's real multicast socket finds it, routes to it, and drops it after its goodbye. The
 * fake clock drives the goodbye's last second and the grace period: no sleeps.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { decodeMessage } from "../../src/discovery/mod.ts";
import { loadRuntime, type MulticastOptions, type Runtime } from "../../src/runtime/mod.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type Announcer, startAnnouncer } from "../helpers/mdns-announcer.ts";
import { type MockBackend, startMockBackend, waitFor } from "../helpers/mock-backend.ts";
import { randomMdnsPort, uniqueLabel } from "../helpers/udp-port.ts";

const GRACE_SECONDS = 30;
let runtime: Runtime;
let socketOptions: MulticastOptions;
let ollama: MockBackend;
let gateway: RunningGateway;
let clock: FakeClock;
let announcer: Announcer;
let lateAnnouncer: Announcer | undefined;
const instance = uniqueLabel("ollama gpu");
const goodbyesHeard: string[] = [];

const backendName = () => instance.replace(" ", "-");
const get = (path: string) => fetch(`${gateway.url}${path}`).then((r) => r.json());
const logLines = (message: string) =>
  gateway.logs.map((line) => JSON.parse(line)).filter((l) => l.message === message);

beforeAll(async () => {
  runtime = await loadRuntime();
  socketOptions = { interface: "127.0.0.1", port: randomMdnsPort() };
  ollama = await startMockBackend({ flavor: "ollama", models: [{ id: "llama3.1:8b" }] });
  announcer = await startAnnouncer({
    ...socketOptions,
    services: [{
      instance,
      service: "_ollama._tcp.local",
      host: "gpu1.local",
      port: ollama.port,
      addresses: ["127.0.0.1"],
      txt: ["type=ollama", "version=0.5.7"],
    }],
  });
  clock = new FakeClock();
  gateway = await startGateway([], {
    discovery: {
      enabled: true,
      service_types: ["_ollama._tcp", "_llm._tcp"],
      grace_period_seconds: GRACE_SECONDS,
    },
  }, {
    clock,
    discovery: {
      socket: socketOptions,
      // Listens beside discovery to learn when a goodbye has arrived (same datagram, same tick).
      async openSocket(options) {
        const socket = await runtime.openMulticast(options);
        socket.onMessage(({ data }) => {
          try {
            const message = decodeMessage(data);
            for (const record of message.records) {
              if (record.ttl === 0) goodbyesHeard.push(record.name[0]!);
            }
          } catch { /* not ours to judge */ }
        });
        return socket;
      },
    },
  });
  await gateway.gateway.start();
});

afterAll(async () => {
  await gateway.gateway.stop();
  await gateway.close();
  await announcer.close();
  await lateAnnouncer?.close();
  await ollama.close();
});

describe("mDNS discovery on loopback", () => {
  test("an announced Ollama is found, probed and its models appear in /v1/models", async () => {
    await waitFor(
      () => gateway.gateway.registry.get(backendName())?.status === "healthy",
      "the announced Ollama to become healthy",
    );
    const models = await get("/v1/models");
    expect(models.data).toEqual([
      expect.objectContaining({ id: "llama3.1:8b", backends: [backendName()] }),
    ]);
    const backends = await get("/v1/backends");
    expect(backends.data).toEqual([
      expect.objectContaining({
        name: backendName(),
        url: ollama.url,
        type: "ollama",
        source: "mdns",
        status: "healthy",
      }),
    ]);
    expect(gateway.gateway.registry.get(backendName())!.metadata).toMatchObject({
      version: "0.5.7",
    });
  });

  test("a chat request routes to the discovered backend", async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "llama3.1:8b", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-nexus-backend")).toBe(backendName());
    expect((await response.json()).object).toBe("chat.completion");
    expect(ollama.mock.requests.some((r) => r.path === "/v1/chat/completions")).toBe(true);
  });

  test("a server that starts later is found by its own announcement", async () => {
    const late = await startMockBackend({ flavor: "vllm", models: [{ id: "Qwen/Qwen2.5-7B" }] });
    const lateInstance = uniqueLabel("vllm");
    lateAnnouncer = await startAnnouncer({
      ...socketOptions,
      services: [{
        instance: lateInstance,
        service: "_llm._tcp.local",
        host: "late.local",
        port: late.port,
        addresses: ["127.0.0.1"],
        txt: ["type=vllm", "api_path=/v1"],
      }],
    });
    try {
      await lateAnnouncer.announce();
      await waitFor(
        () => gateway.gateway.registry.get(lateInstance)?.status === "healthy",
        "the late vLLM to become healthy",
      );
      expect(gateway.gateway.registry.get(lateInstance)).toMatchObject({
        url: late.url,
        type: "vllm",
      });
    } finally {
      await lateAnnouncer.goodbye();
      await late.close();
    }
  });

  test("an announced server that is not an LLM server never becomes routable", async () => {
    const seen: string[] = [];
    const other = await runtime.serve((request) => {
      seen.push(`${request.method} ${new URL(request.url).pathname}`);
      return new Response("<html>router admin</html>");
    }, { hostname: "127.0.0.1", port: 0 });
    const spoof = await startAnnouncer({
      ...socketOptions,
      services: [{
        instance: uniqueLabel("spoof"),
        service: "_llm._tcp.local",
        host: "spoof.local",
        port: other.port,
        addresses: ["127.0.0.1"],
        txt: ["type=vllm"],
      }],
    });
    try {
      await spoof.announce();
      const spoofed = () =>
        gateway.gateway.registry.list().find((b) => b.url === `http://127.0.0.1:${other.port}`);
      await waitFor(() => spoofed()?.status === "unhealthy", "the spoofed service to be probed");
      const models = (await get("/v1/models")).data as Array<{ backends: string[] }>;
      expect(models.flatMap((m) => m.backends)).not.toContain(spoofed()!.name);
      // Probes only ever GET; no completion reached it.
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((line) => line.startsWith("GET "))).toBe(true);
    } finally {
      await spoof.goodbye();
      await spoof.close();
      await other.stop(true);
    }
  });

  test("after its goodbye the backend turns unknown, then leaves after the grace period", async () => {
    await announcer.goodbye();
    await waitFor(() => goodbyesHeard.includes(instance), "the goodbye to arrive");
    clock.advance(1000);
    const backend = gateway.gateway.registry.get(backendName())!;
    expect(backend.status).toBe("unknown");
    expect((await get("/v1/models")).data).toEqual([]);
    clock.advance(GRACE_SECONDS * 1000 - 1);
    expect(gateway.gateway.registry.get(backendName())).toBe(backend);
    clock.advance(1);
    expect(gateway.gateway.registry.get(backendName())).toBeUndefined();
    for (const message of ["mDNS: backend found", "mDNS: backend lost", "mDNS: backend removed"]) {
      expect(logLines(message).filter((l) => l.backend === backendName())).toHaveLength(1);
    }
  });
});

describe("mDNS discovery turned off", () => {
  test("discovery.enabled = false opens no socket, whatever the gateway was given", async () => {
    let opened = 0;
    const off = await startGateway([], { discovery: { enabled: false } }, {
      discovery: {
        openSocket: (options) => {
          opened++;
          return runtime.openMulticast(options);
        },
        socket: { interface: "127.0.0.1", port: randomMdnsPort() },
      },
    });
    try {
      await off.gateway.start();
      expect(off.gateway.discovery).toBeUndefined();
      expect(opened).toBe(0);
    } finally {
      await off.gateway.stop();
      await off.close();
    }
  });
});

describe("mDNS discovery that cannot start", () => {
  test("logs one warning with the reason; the gateway serves its configured backends", async () => {
    const port = randomMdnsPort();
    const holder = await runtime.openMulticast({ interface: "127.0.0.1", port, reuseAddr: false });
    const mock = await startMockBackend({ flavor: "openai" });
    const blocked = await startGateway([{ name: "static", url: mock.url, type: "generic" }], {
      discovery: { enabled: true },
    }, {
      discovery: {
        openSocket: (options) => runtime.openMulticast(options),
        socket: { interface: "127.0.0.1", port, reuseAddr: false },
      },
    });
    try {
      await blocked.gateway.start();
      const warnings = blocked.logs.map((l) => JSON.parse(l)).filter((l) => l.level === "warn");
      expect(warnings).toEqual([expect.objectContaining({
        message: "mDNS discovery unavailable; serving configured backends only",
        reason: `UDP port ${port} on 0.0.0.0 is in use by a program that does not share it`,
      })]);
      expect(blocked.gateway.registry.get("static")!.status).toBe("healthy");
      const health = await fetch(`${blocked.url}/health`).then((r) => r.json());
      expect(health.status).toBe("healthy");
    } finally {
      await blocked.gateway.stop();
      await blocked.close();
      await holder.close();
      await mock.close();
    }
  });
});
