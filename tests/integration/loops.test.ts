/**
 * Request loops (issue 14, item 1): Nexus given its own address as a backend — by the config, by
 * the admin API, or by one mDNS announcement — costs at most one extra request, and the backend
 * is refused ("that is this Nexus"); a request that already passed this Nexus, or too many
 * gateways, is refused with 508 `loop_detected`. Everything runs on loopback; the gateway's own
 * server counts every request it receives.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { validateConfig } from "../../src/config/mod.ts";
import { createGateway, type Gateway, type GatewayOptions } from "../../src/gateway.ts";
import { Logger } from "../../src/lib/logger.ts";
import { type FetchHandler, loadRuntime } from "../../src/runtime/mod.ts";
import { startAnnouncer } from "../helpers/mdns-announcer.ts";
import { waitFor } from "../helpers/mock-backend.ts";
import { randomMdnsPort, uniqueLabel } from "../helpers/udp-port.ts";

interface SelfServing {
  readonly url: string;
  readonly gateway: Gateway;
  /** `METHOD /path` of every request the gateway's server received. */
  readonly seen: string[];
  readonly logs: string[];
  close(): Promise<void>;
}

const open: SelfServing[] = [];
afterEach(async () => {
  for (const running of open.splice(0)) await running.close();
});

/** A gateway whose config may name its own address: the server listens before it is built. */
async function selfServing(
  makeConfig: (url: string) => Record<string, unknown>,
  options: Partial<GatewayOptions> = {},
): Promise<SelfServing> {
  const runtime = await loadRuntime();
  let handler: FetchHandler = () => new Response("starting", { status: 503 });
  const seen: string[] = [];
  const server = await runtime.serve((request, conn) => {
    seen.push(`${request.method} ${new URL(request.url).pathname}`);
    return handler(request, conn);
  }, { hostname: "127.0.0.1", port: 0 });
  const url = `http://127.0.0.1:${server.port}`;
  const { config } = validateConfig({ discovery: { enabled: false }, ...makeConfig(url) });
  const logs: string[] = [];
  const gateway = createGateway({
    config,
    env: {},
    logger: new Logger({ level: "debug", format: "json", write: (line) => logs.push(line) }),
    fetch: runtime.fetch,
    tcpProbe: runtime.tcpProbe,
    ...options,
  });
  handler = gateway.fetch;
  const running = {
    url,
    gateway,
    seen,
    logs,
    async close() {
      await gateway.stop();
      await server.stop(true);
    },
  };
  open.push(running);
  return running;
}

const chat = (url: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
  });

const refusals = (logs: string[]) => logs.filter((line) => line.includes("that is this Nexus"));

describe("a backend that is this Nexus", () => {
  test("from the config: its first probe is the only extra request, then it is gone", async () => {
    const self = await selfServing((url) => ({
      backends: [{ name: "me", url, type: "generic" }],
    }));
    await self.gateway.health.runRound();
    expect(self.seen).toEqual(["GET /v1/models"]);
    expect(self.gateway.registry.get("me")).toBeUndefined();
    expect(refusals(self.logs).length).toBeGreaterThan(0);
    await self.gateway.health.runRound();
    const response = await chat(self.url);
    expect(response.status).toBe(404);
    // The second round probed nothing: the backend no longer exists.
    expect(self.seen).toEqual(["GET /v1/models", "POST /v1/chat/completions"]);
  });

  test("already routable (models known): one looped request, 508, and it is removed", async () => {
    const self = await selfServing((url) => ({
      backends: [{ name: "me", url, type: "generic" }],
      health_check: { enabled: false },
    }));
    self.gateway.registry.setModels("me", [{ id: "m", capabilities: {} }]);
    self.gateway.registry.setStatus("me", "healthy");
    const response = await chat(self.url);
    expect(response.status).toBe(508);
    const body = await response.json();
    expect(body.error.code).toBe("loop_detected");
    expect(body.error.message).toContain("this Nexus");
    expect(self.seen).toEqual(["POST /v1/chat/completions", "POST /v1/chat/completions"]);
    expect(self.gateway.registry.get("me")).toBeUndefined();
    // The model it seemed to serve is gone with it.
    const models = await (await fetch(`${self.url}/v1/models`)).json();
    expect(models.data).toEqual([]);
  });

  test("from the admin API: refused after one request, never added", async () => {
    const self = await selfServing(() => ({}));
    for (const type of [undefined, "ollama"]) {
      self.seen.length = 0;
      const response = await fetch(`${self.url}/v1/backends`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ url: self.url, ...(type ? { type } : {}) }),
      });
      expect(response.status).toBe(400);
      const body = await response.json();
      expect(body.error.message).toContain("that is this Nexus");
      expect(body.error.param).toBe("url");
      // The POST itself and one GET; once known, not even that.
      expect(self.seen).toEqual(
        type ? ["POST /v1/backends"] : ["POST /v1/backends", "GET /health"],
      );
      expect(self.gateway.registry.size).toBe(0);
    }
  });

  test("from an mDNS announcement: one probe request, then ignored for good", async () => {
    const runtime = await loadRuntime();
    const socket = { interface: "127.0.0.1", port: randomMdnsPort() };
    const self = await selfServing(() => ({
      discovery: { enabled: true, service_types: ["_ollama._tcp"] },
      health_check: { enabled: false },
    }), { discovery: { openSocket: (o) => runtime.openMulticast(o), socket } });
    const instance = uniqueLabel("ollama self");
    const port = Number(new URL(self.url).port);
    const announcer = await startAnnouncer({
      ...socket,
      services: [{
        instance,
        service: "_ollama._tcp.local",
        host: `${instance.replace(" ", "-")}.local`,
        port,
        addresses: ["127.0.0.1"],
        txt: ["type=ollama"],
      }],
    });
    try {
      await self.gateway.start();
      await announcer.announce();
      await waitFor(() => refusals(self.logs).length > 0, "the announced self to be refused");
      // An Ollama probe asks three paths at once; only the first one was sent.
      expect(self.seen.length).toBe(1);
      await announcer.announce();
      await announcer.announce();
      await self.gateway.health.runRound();
      expect(self.seen.length).toBe(1);
      expect(self.gateway.registry.size).toBe(0);
    } finally {
      await announcer.close();
    }
  });
});

describe("a request that has been here before", () => {
  test("carrying this Nexus's instance id: 508 loop_detected, nothing forwarded", async () => {
    const self = await selfServing(() => ({}));
    const instance = (await fetch(`${self.url}/health`)).headers.get("x-nexus-instance");
    expect(instance).toBe(self.gateway.instanceId);
    const response = await chat(self.url, { "x-nexus-via": `other-nexus, ${instance}` });
    expect(response.status).toBe(508);
    expect((await response.json()).error).toMatchObject({ code: "loop_detected" });
  });

  test("having passed more than 8 gateways: 508", async () => {
    const self = await selfServing(() => ({}));
    const chain = Array.from({ length: 9 }, (_, i) => `gw-${i}`).join(", ");
    const response = await chat(self.url, { "x-nexus-via": chain });
    expect(response.status).toBe(508);
    const fewer = await chat(self.url, { "x-nexus-via": "gw-1, gw-2" });
    expect(fewer.status).toBe(404); // went on to routing: model "m" is unknown here
  });

  test("every response says which Nexus sent it", async () => {
    const self = await selfServing(() => ({}));
    for (const path of ["/health", "/v1/models", "/nope"]) {
      const response = await fetch(`${self.url}${path}`);
      await response.body?.cancel();
      expect(response.headers.get("x-nexus-instance")).toBe(self.gateway.instanceId);
    }
  });
});
