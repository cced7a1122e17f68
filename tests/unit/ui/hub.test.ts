/**
 * The events stream on a FakeClock: a snapshot first, then at most one delta per FLUSH_MS built
 * once for every browser; no timer and no watching while no browser is connected; a browser that
 * stops reading is dropped instead of buffered without bound.
 */
import { describe, expect, test } from "bun:test";
import { validateConfig } from "../../../src/config/mod.ts";
import type { ExchangeEvent } from "../../../src/exchange/mod.ts";
import type { RequestRecord } from "../../../src/metrics/mod.ts";
import { Registry } from "../../../src/registry/mod.ts";
import { Router } from "../../../src/routing/mod.ts";
import { Dashboard, FLUSH_MS } from "../../../src/ui/mod.ts";
import { FakeClock } from "../../helpers/fake-clock.ts";
import { settle } from "../../helpers/scripted-fetch.ts";

function setup(beforeRead?: () => void) {
  const clock = new FakeClock();
  const registry = new Registry();
  registry.add({
    name: "gpu",
    url: "http://gpu.test:11434",
    type: "ollama",
    priority: 50,
    source: "static",
  }, {
    status: "healthy",
    models: [{ id: "llama3", capabilities: {} }],
  });
  const { config } = validateConfig({ routing: { aliases: { fast: "llama3" } } });
  const dashboard = new Dashboard({
    registry,
    router: new Router(registry, config.routing),
    clock,
    version: "9.9.9",
    startedAt: clock.now(),
    queueDepth: () => 0,
    routing: config.routing,
    adminToken: undefined,
    ...(beforeRead ? { beforeRead } : {}),
  });
  return { clock, registry, dashboard };
}

function finish(dashboard: Dashboard, id: string): void {
  const event: ExchangeEvent = {
    requestId: id,
    endpoint: "chat",
    receivedAt: 0,
    requestedModel: "llama3",
    stream: false,
    status: 200,
  };
  const record = {
    model: "llama3",
    backend: "gpu",
    status: 200,
    durationMs: 10,
    overheadMs: 1,
  } as RequestRecord;
  dashboard.state.record(event, record, undefined);
}

/** Collects a stream's text as it arrives; `drain` takes what came since the last call. */
class Collector {
  #text = "";
  constructor(body: ReadableStream<Uint8Array>) {
    void this.#pump(body.getReader());
  }
  async #pump(reader: ReadableStreamDefaultReader<Uint8Array>) {
    const decoder = new TextDecoder();
    for (;;) {
      const next = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (next.done) return;
      this.#text += decoder.decode(next.value);
    }
  }
  async drain(): Promise<string> {
    await settle();
    const text = this.#text;
    this.#text = "";
    return text;
  }
}

function open(dashboard: Dashboard) {
  const abort = new AbortController();
  const response = dashboard.hub.connect("local", abort.signal);
  return { response, reader: new Collector(response.body!), abort };
}

describe("GET /ui/events", () => {
  test("costs nothing while no browser is connected: no timer, nothing watched", async () => {
    const { clock, dashboard } = setup();
    expect(clock.pending).toBe(0);
    expect(dashboard.live.watching).toBe(false);
    const browser = open(dashboard);
    expect(dashboard.live.watching).toBe(true);
    expect(clock.pending).toBe(1);
    browser.abort.abort();
    await settle();
    expect(dashboard.hub.clients).toBe(0);
    expect(dashboard.live.watching).toBe(false);
    expect(clock.pending).toBe(0);
  });

  test("sends a snapshot, then what changed at most every FLUSH_MS", async () => {
    const { clock, dashboard } = setup();
    const browser = open(dashboard);
    expect(browser.response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const first = await browser.reader.drain();
    expect(first.startsWith("retry: 2000\n\nevent: snapshot\ndata: ")).toBe(true);
    const snapshot = JSON.parse(first.split("data: ")[1]!);
    expect(snapshot).toMatchObject({ version: "9.9.9", admin: "local" });
    expect(snapshot.fleet.backends.map((b: { name: string }) => b.name)).toEqual(["gpu"]);
    expect(snapshot.models.map((m: { id: string }) => m.id)).toEqual(["fast", "llama3"]);
    finish(dashboard, "r-1");
    finish(dashboard, "r-2");
    clock.advance(FLUSH_MS - 1);
    expect(await browser.reader.drain()).toBe("");
    clock.advance(1);
    const delta = await browser.reader.drain();
    const events = [...delta.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(events).toContain("requests");
    expect(events).toContain("series");
    const requests = delta.split("event: requests\ndata: ")[1]!.split("\n")[0]!;
    expect(JSON.parse(requests).completed.map((c: { id: string }) => c.id)).toEqual(["r-1", "r-2"]);
    clock.advance(FLUSH_MS);
    expect(await browser.reader.drain()).toBe("");
    browser.abort.abort();
  });

  test("sends every browser the same delta and a changed backend status", async () => {
    const { clock, registry, dashboard } = setup();
    const a = open(dashboard);
    const b = open(dashboard);
    await a.reader.drain();
    await b.reader.drain();
    registry.setStatus("gpu", "unhealthy");
    clock.advance(FLUSH_MS);
    const [textA, textB] = [await a.reader.drain(), await b.reader.drain()];
    expect(textA).toBe(textB);
    expect(textA).toContain('"status":"unhealthy"');
    a.abort.abort();
    b.abort.abort();
  });

  test("drops a browser that stops reading instead of buffering for it", async () => {
    const { clock, dashboard } = setup();
    const abort = new AbortController();
    const response = dashboard.hub.connect("local", abort.signal);
    for (let i = 0; i < 100 && dashboard.hub.clients > 0; i++) {
      finish(dashboard, `r-${i}`);
      clock.advance(FLUSH_MS);
      await settle();
    }
    expect(dashboard.hub.clients).toBe(0);
    expect(clock.pending).toBe(0);
    await response.body!.cancel();
  });
});

describe("requests whose record is still in its batch (src/metrics/late-work.ts)", () => {
  test("are recorded before a snapshot or a delta is read", () => {
    const pending: string[] = [];
    const { dashboard } = setup(() => {
      for (const id of pending.splice(0)) finish(dashboard, id);
    });
    pending.push("late-1");
    const ids = (list: Array<{ id: string }>) => list.map((request) => request.id);
    expect(ids(dashboard.state.snapshot("off").requests.completed)).toEqual(["late-1"]);
    pending.push("late-2");
    const deltas = new Map(dashboard.state.deltas());
    const requests = deltas.get("requests") as { completed: Array<{ id: string }> };
    expect(ids(requests.completed)).toContain("late-2");
  });
});
