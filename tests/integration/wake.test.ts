/**
 * Wake-on-LAN through a real gateway on loopback. The "GPU box" is a mock Ollama that is not
 * listening (asleep) and starts on its port shortly after the magic packet goes out — the
 * packet itself is handed to a test `sendBroadcast` here (tests/network/wake-on-lan.test.ts sends
 * real ones between network namespaces). A held stream gets keep-alives saying `waking gpu`,
 * then the answer; concurrent requests share one packet; another backend that serves the model
 * means nothing is woken, unless `prefer_wake`; a wake that times out is a 503 with Retry-After
 * and the reason; the admin route and the metrics say what happened.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { loadRuntime, type ServerHandle } from "../../src/runtime/mod.ts";
import { macOfMagicPacket } from "../../src/wake/mod.ts";
import { createMockUpstream } from "../mock/mod.ts";
import { type RunningGateway, startGateway, type TestBackend } from "../helpers/gateway.ts";
import { type MockBackend, sseEvents, startMockBackend } from "../helpers/mock-backend.ts";
import { closedPort } from "../helpers/ports.ts";

const MAC = "aa:bb:cc:00:11:22";

/** A machine that boots (its server starts) a little after the first magic packet reaches it. */
class SleepingBox {
  readonly packets: Array<{ mac: string | undefined; address: string; port: number }> = [];
  #server: ServerHandle | undefined;
  #booting: Promise<void> | undefined;

  constructor(readonly port: number, readonly wakes = true) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  readonly send = (data: Uint8Array, address: string, port: number): Promise<void> => {
    this.packets.push({ mac: macOfMagicPacket(data), address, port });
    if (this.wakes) this.#booting ??= this.#boot();
    return Promise.resolve();
  };

  async #boot(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const runtime = await loadRuntime();
    const mock = createMockUpstream({
      flavor: "ollama",
      models: [{ id: "big" }, { id: "shared" }],
      chunks: 3,
    });
    this.#server = await runtime.serve(mock.fetch, { hostname: "127.0.0.1", port: this.port });
  }

  /** Back to sleep: the server stops. */
  async sleep(): Promise<void> {
    await this.#booting;
    await this.#server?.stop(true);
    this.#server = undefined;
    this.#booting = undefined;
  }
}

const chat = (url: string, model: string, stream: boolean) =>
  fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, stream, messages: [{ role: "user", content: "hi" }] }),
  });

function gpu(box: SleepingBox, wake: Record<string, unknown> = {}): TestBackend {
  return {
    name: "gpu",
    url: box.url,
    type: "ollama",
    wake: { mac: MAC, broadcast: "127.255.255.255", timeout_seconds: 30, ...wake },
    // It was awake once: its models are known. Now it sleeps.
    models: ["big", "shared"],
    status: "asleep",
  };
}

let cpu: MockBackend;
beforeAll(async () => {
  cpu = await startMockBackend({ models: [{ id: "small" }, { id: "shared" }] });
});
afterAll(() => cpu.close());

describe("a request for a model only a sleeping backend serves", () => {
  let box: SleepingBox;
  let gateway: RunningGateway;

  beforeAll(async () => {
    box = new SleepingBox(await closedPort());
    gateway = await startGateway([gpu(box), {
      name: "cpu",
      url: cpu.url,
      models: ["small", "shared"],
    }], {
      server: { sse_keepalive_seconds: 0.1 },
    }, { sendBroadcast: box.send });
  });
  afterEach(async () => {
    await box.sleep();
    gateway.gateway.registry.setStatus("gpu", "asleep");
  });
  afterAll(async () => {
    await gateway.close();
    await box.sleep();
  });

  test("a stream is held with keep-alives saying waking gpu, then gets the answer", async () => {
    const response = await chat(gateway.url, "big", true);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain(": waking gpu\n\n");
    const events = sseEvents(text);
    expect(events[events.length - 1]).toBe("data: [DONE]");
    expect(events.some((e) => e.includes('"content"'))).toBe(true);
    expect(box.packets).toEqual([{ mac: MAC, address: "127.255.255.255", port: 9 }]);
    expect(gateway.gateway.registry.get("gpu")!.status).toBe("healthy");
  }, 30_000);

  test("concurrent requests share one wake: one packet, every request served", async () => {
    const before = box.packets.length;
    const responses = await Promise.all([1, 2, 3, 4].map(() => chat(gateway.url, "big", false)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    for (const response of responses) expect(response.headers.get("x-nexus-backend")).toBe("gpu");
    expect(box.packets.length - before).toBe(1);
  }, 30_000);

  test("a model another backend serves: that one answers and nothing is woken", async () => {
    const before = box.packets.length;
    const response = await chat(gateway.url, "shared", false);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-nexus-backend")).toBe("cpu");
    expect(box.packets.length).toBe(before);
  });

  test("its models stay listed, marked asleep, in /v1/models and /api/tags", async () => {
    const models = await (await fetch(`${gateway.url}/v1/models`)).json();
    const big = models.data.find((m: { id: string }) => m.id === "big");
    expect(big).toMatchObject({ status: "asleep", asleep_on: ["gpu"], backends: [] });
    const shared = models.data.find((m: { id: string }) => m.id === "shared");
    expect(shared).toMatchObject({ backends: ["cpu"], asleep_on: ["gpu"] });
    expect(shared.status).toBeUndefined();
    const tags = await (await fetch(`${gateway.url}/api/tags`)).json();
    expect(tags.models.find((m: { name: string }) => m.name === "big")).toMatchObject({
      status: "asleep",
      asleep_on: ["gpu"],
    });
  });

  test("POST /v1/backends/gpu/wake: 202 with where the packet went; metrics count the wake", async () => {
    const before = box.packets.length;
    const response = await fetch(`${gateway.url}/v1/backends/gpu/wake`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({
      backend: "gpu",
      waking: true,
      mac: MAC,
      broadcast: "127.255.255.255:9",
    });
    expect(box.packets.length).toBe(before + 1);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/^nexus_wakes_total\{backend="gpu"\} [1-9]/m);
    expect(metrics).toMatch(/^nexus_wake_duration_seconds_count [1-9]/m);
    expect(metrics).toMatch(/^nexus_backends\{status="asleep"\} 1$/m);
  });
});

describe("a wake that does not happen", () => {
  let box: SleepingBox;
  let gateway: RunningGateway;

  beforeAll(async () => {
    box = new SleepingBox(await closedPort(), false);
    gateway = await startGateway([gpu(box, { timeout_seconds: 0.5 })], {
      server: { sse_keepalive_seconds: 0.1 },
    }, { sendBroadcast: box.send });
  });
  afterAll(() => gateway.close());

  test("past timeout_seconds: 503 with Retry-After and the reason", async () => {
    const response = await chat(gateway.url, "big", false);
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("30");
    const body = await response.json();
    expect(body.error.code).toBe("service_unavailable");
    expect(body.error.message).toContain("gpu is asleep and did not wake within 0.5 s");
    expect(body.error.message).toContain(MAC);
  }, 30_000);

  test("a stream gets its keep-alives, then one in-stream error saying so", async () => {
    const response = await chat(gateway.url, "big", true);
    expect(response.status).toBe(200);
    const events = sseEvents(await response.text());
    expect(events.some((e) => e === ": waking gpu")).toBe(true);
    expect(events.find((e) => e.includes('"error"'))).toContain("did not wake within");
  }, 30_000);
});

describe("prefer_wake", () => {
  test("the sleeping backend is woken although another could serve, and it answers", async () => {
    const box = new SleepingBox(await closedPort());
    const gateway = await startGateway(
      [
        { ...gpu(box), prefer_wake: true },
        { name: "cpu", url: cpu.url, models: ["shared"] },
      ],
      {},
      { sendBroadcast: box.send },
    );
    try {
      const response = await chat(gateway.url, "shared", false);
      expect(response.status).toBe(200);
      expect(response.headers.get("x-nexus-backend")).toBe("gpu");
      expect(box.packets.length).toBe(1);
    } finally {
      await gateway.close();
      await box.sleep();
    }
  }, 30_000);
});
