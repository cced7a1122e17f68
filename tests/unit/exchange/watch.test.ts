/**
 * The exchange's watch hook (the dashboard's "in flight now"): nothing is called while nobody
 * watches; while someone does, each request is announced once at its start and once at its end,
 * and reads as a LiveRequest whose phase follows it (received → queued → sent → streaming).
 */
import { describe, expect, test } from "bun:test";
import type { ExchangeWatch, LivePhase, LiveRequest } from "../../../src/exchange/mod.ts";
import { exchangeFixture } from "../../helpers/exchange-fixture.ts";
import { readAll, settle } from "../../helpers/scripted-fetch.ts";

const CHAT = { model: "m", messages: [{ role: "user", content: "hi" }] };

class SpyWatch implements ExchangeWatch {
  reads = 0;
  began: LiveRequest[] = [];
  ended: LiveRequest[] = [];
  constructor(readonly on: boolean) {}
  get watching(): boolean {
    this.reads++;
    return this.on;
  }
  begin(request: LiveRequest): number {
    return this.began.push(request) - 1;
  }
  end(request: LiveRequest, slot: number): void {
    expect(this.began[slot]).toBe(request);
    this.ended.push(request);
  }
}

describe("ExchangeDeps.watch", () => {
  test("is only asked whether anyone watches while no browser is open", async () => {
    const watch = new SpyWatch(false);
    const f = exchangeFixture({ backends: ["gpu"], watch });
    const pending = f.send(CHAT);
    (await f.upstream.exchange()).respondWhole(200, '{"object":"chat.completion"}');
    expect((await pending).status).toBe(200);
    expect(watch.reads).toBe(1);
    expect(watch.began).toEqual([]);
    expect(watch.ended).toEqual([]);
  });

  test("announces a request at its start and its end, and shows where it is", async () => {
    const watch = new SpyWatch(true);
    const f = exchangeFixture({ backends: ["gpu"], watch });
    const pending = f.send({ ...CHAT, stream: true }, { headers: { "x-request-id": "r-1" } });
    expect(watch.began).toHaveLength(1);
    const live = watch.began[0]!;
    const phases: LivePhase[] = [live.phase];
    const upstream = await f.upstream.exchange();
    phases.push(live.phase);
    expect([live.requestId, live.requestedModel, live.backend, live.servedModel]).toEqual([
      "r-1",
      "m",
      "gpu",
      "m",
    ]);
    upstream.respond(200, { "content-type": "text/event-stream" });
    upstream.push('data: {"x":1}\n\n');
    const response = await pending;
    phases.push(live.phase);
    expect(watch.ended).toEqual([]);
    const body = readAll(response.body!);
    upstream.end();
    await body;
    await settle();
    expect(phases).toEqual(["received", "sent", "streaming"]);
    expect(watch.ended).toEqual([live]);
    expect([live.endpoint, live.stream, live.priority]).toEqual(["chat", true, "normal"]);
  });

  test("reads a request waiting for a slot as queued", async () => {
    const watch = new SpyWatch(true);
    const f = exchangeFixture({ backends: ["gpu"], watch });
    f.registry.setSlots("gpu", 1);
    const first = f.send(CHAT);
    const upstream = await f.upstream.exchange();
    const second = f.send(CHAT);
    await settle();
    expect(watch.began.map((r) => r.phase)).toEqual(["sent", "queued"]);
    upstream.respondWhole(200, "{}");
    await first;
    (await f.upstream.exchange(1)).respondWhole(200, "{}");
    await second;
    await settle();
    expect(watch.ended).toHaveLength(2);
  });
});
