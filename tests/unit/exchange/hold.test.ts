/**
 * Held streams: a streaming request whose answer is slow to start gets 200 and keep-alives after
 * `sse_keepalive_seconds`, while forwarding goes on — failover included — on a FakeClock.
 */
import { describe, expect, test } from "bun:test";
import { exchangeFixture } from "../../helpers/exchange-fixture.ts";
import { readAll, settle } from "../../helpers/scripted-fetch.ts";

const SERVER = {
  sse_keepalive_seconds: 1,
  first_byte_timeout_seconds: 10,
  idle_timeout_seconds: 30,
};
const STREAM = { model: "m", messages: [{ role: "user", content: "hi" }], stream: true };
const KEEP_ALIVE = ": keep-alive\n\n";

async function tick(f: { clock: { advance(ms: number): void } }, ms: number) {
  f.clock.advance(ms);
  await settle();
}

describe("a stream whose answer is slow to start", () => {
  test("gets 200 and keep-alives after sse_keepalive_seconds, then the backend's bytes", async () => {
    const f = exchangeFixture({ backends: ["gpu"], server: SERVER });
    const pending = f.send(STREAM);
    const upstream = await f.upstream.exchange();
    await tick(f, 999);
    let answered = false;
    void pending.then(() => (answered = true));
    await settle();
    expect(answered).toBe(false);
    await tick(f, 1);
    const response = await pending;
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const body = readAll(response.body!);
    await tick(f, 1000);
    await tick(f, 1000);
    upstream.respond();
    upstream.push('data: {"x":1}\n\n');
    await settle();
    upstream.push("data: [DONE]\n\n");
    upstream.end();
    expect((await body).text).toBe(KEEP_ALIVE.repeat(3) + 'data: {"x":1}\n\ndata: [DONE]\n\n');
    expect(f.backends[0]!.pending).toBe(0);
    await settle();
    expect(f.inflight.count).toBe(0);
    expect(f.events).toHaveLength(1);
    expect(f.events[0]!.result?.outcome.ttfbMs).toBe(3000);
  });

  test("a backend that fails before its first byte is still replaced by the next one", async () => {
    const f = exchangeFixture({ backends: ["first", "second"], server: SERVER });
    const pending = f.send(STREAM);
    const first = await f.upstream.exchange(0);
    expect(first.url.startsWith("http://first.test")).toBe(true);
    await tick(f, 1000);
    const response = await pending;
    const body = readAll(response.body!);
    // The first backend never answers: its first-byte deadline passes, the second one serves.
    for (let t = 1000; t < 10_000; t += 1000) await tick(f, 1000);
    const second = await f.upstream.exchange(1);
    expect(first.signal.aborted).toBe(true);
    expect(second.url.startsWith("http://second.test")).toBe(true);
    second.respond();
    second.push("data: ok\n\n");
    second.end();
    const { text } = await body;
    expect(text.endsWith("data: ok\n\n")).toBe(true);
    expect(text).not.toContain("error");
    await settle();
    expect(f.events[0]!.result?.outcome.routeReason).toBe("failover");
  });

  test("when every backend fails, the held stream ends with one in-stream error", async () => {
    const f = exchangeFixture({
      backends: ["only"],
      server: { ...SERVER, first_byte_timeout_seconds: 3 },
    });
    const pending = f.send(STREAM);
    await f.upstream.exchange();
    await tick(f, 1000);
    const body = readAll((await pending).body!);
    await tick(f, 1000);
    await tick(f, 1000);
    const { text } = await body;
    const events = text.split("\n\n").filter(Boolean);
    expect(events.slice(0, 3)).toEqual([": keep-alive", ": keep-alive", ": keep-alive"]);
    const error = JSON.parse(events.at(-1)!.slice("data: ".length)).error;
    expect(error.code).toBe("gateway_timeout");
    expect(error.message).toContain("no response within 3 s");
    await settle();
    expect(f.events[0]!.status).toBe(200);
    expect(f.events[0]!.failure?.kind).toBe("upstream_timeout");
  });

  test("a client that leaves while held cancels the upstream and frees everything", async () => {
    const f = exchangeFixture({ backends: ["gpu"], server: SERVER });
    const pending = f.send(STREAM);
    const upstream = await f.upstream.exchange();
    await tick(f, 1000);
    const reader = (await pending).body!.getReader();
    await reader.read();
    await reader.cancel("gone");
    await settle();
    expect(upstream.signal.aborted).toBe(true);
    expect(f.backends[0]!.pending).toBe(0);
    expect(f.inflight.count).toBe(0);
  });

  test("a backend's refusal after the 200 is told inside the stream", async () => {
    const f = exchangeFixture({ backends: ["gpu"], server: SERVER });
    const pending = f.send(STREAM);
    const upstream = await f.upstream.exchange();
    await tick(f, 1000);
    const body = readAll((await pending).body!);
    upstream.respondWhole(400, '{"error":{"message":"bad temperature"}}');
    const { text } = await body;
    expect(text).toContain("HTTP 400");
    expect(text).toContain("bad temperature");
  });

  test("a non-stream request is never held, and a fast stream never sees a keep-alive", async () => {
    const f = exchangeFixture({ backends: ["gpu"], server: SERVER });
    const whole = f.send({ ...STREAM, stream: false });
    const upstream = await f.upstream.exchange();
    await tick(f, 5000);
    upstream.respondWhole(200, '{"ok":true}');
    expect(await (await whole).text()).toBe('{"ok":true}');

    const fast = f.send(STREAM);
    const second = await f.upstream.exchange(1);
    second.respond();
    second.push("data: 1\n\n");
    second.end();
    expect((await readAll((await fast).body!)).text).toBe("data: 1\n\n");
  });
});
