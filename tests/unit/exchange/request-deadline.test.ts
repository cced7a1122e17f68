/**
 * The whole-request deadline (`server.request_timeout_seconds`) on a FakeClock: it cuts a stream
 * that keeps talking (so the idle deadline never fires) and a backend that holds its answer past
 * it, exactly when it passes, and frees the backend and the in-flight count.
 */
import { describe, expect, test } from "bun:test";
import { exchangeFixture } from "../../helpers/exchange-fixture.ts";
import { readAll, settle } from "../../helpers/scripted-fetch.ts";

const SERVER = {
  request_timeout_seconds: 5,
  first_byte_timeout_seconds: 60,
  idle_timeout_seconds: 30,
  sse_keepalive_seconds: 15,
};
const CHAT = { model: "m", messages: [{ role: "user", content: "hi" }] };

async function tick(f: { clock: { advance(ms: number): void } }, ms: number) {
  f.clock.advance(ms);
  await settle();
}

describe("server.request_timeout_seconds", () => {
  test("cuts a stream that keeps talking when it passes, with one in-stream error", async () => {
    const f = exchangeFixture({ backends: ["gpu"], server: SERVER });
    const pending = f.send({ ...CHAT, stream: true });
    const upstream = await f.upstream.exchange();
    upstream.respond();
    upstream.push('data: {"n":0}\n\n');
    const body = readAll((await pending).body!);
    // A chunk every second re-arms the idle deadline (30 s): only the request deadline can end it.
    for (let n = 1; n < 5; n++) {
      await tick(f, 1000);
      upstream.push(`data: {"n":${n}}\n\n`);
    }
    await tick(f, 999);
    expect(upstream.signal.aborted).toBe(false);
    await tick(f, 1);
    expect(upstream.signal.aborted).toBe(true);
    const events = (await body).text.split("\n\n").filter(Boolean);
    expect(events.slice(0, 5)).toEqual([0, 1, 2, 3, 4].map((n) => `data: {"n":${n}}`));
    expect(events).toHaveLength(6);
    expect(JSON.parse(events[5]!.slice("data: ".length)).error.code).toBe("gateway_timeout");
    await settle();
    expect(f.backends[0]!.pending).toBe(0);
    expect(f.inflight.count).toBe(0);
    // Counted as a stream cut by a deadline (metrics: error_type="timeout").
    expect(await f.events[0]!.result!.done).toBe("timeout");
  });

  test("a backend holding its answer past it: 504 when it passes, before the first-byte deadline", async () => {
    const f = exchangeFixture({ backends: ["gpu"], server: SERVER });
    let answered: Response | undefined;
    void f.send(CHAT).then((response) => (answered = response));
    const upstream = await f.upstream.exchange();
    await tick(f, 4999);
    expect(answered).toBeUndefined();
    await tick(f, 1);
    expect(upstream.signal.aborted).toBe(true);
    expect(answered?.status).toBe(504);
    expect((await answered!.json()).error.code).toBe("gateway_timeout");
    expect(f.backends[0]!.pending).toBe(0);
    expect(f.inflight.count).toBe(0);
  });
});
