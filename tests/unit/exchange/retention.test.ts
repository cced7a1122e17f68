/**
 * What a stream in flight keeps: once its answer has committed, the request's parsed body (a
 * whole conversation, for a chat client) is kept by neither the exchange, the forwarding nor the
 * attempt until the stream's last byte — each young-generation collection would find it live in
 * every stream in flight (specs/023-performance-floor/walkthrough.md, "Seventh round"). The
 * collection is forced, so the check runs under Bun; under Deno the stream is checked whole.
 */
import { describe, expect, test } from "bun:test";
import { chatEndpoint, type Endpoint } from "../../../src/dialects/mod.ts";
import { exchangeFixture } from "../../helpers/exchange-fixture.ts";
import { readAll, settle } from "../../helpers/scripted-fetch.ts";

const collect = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun?.gc;
const decoder = new TextDecoder();

describe("a stream in flight", () => {
  test("no longer keeps its request's parsed body once it has committed", async () => {
    let parsed: WeakRef<object> | undefined;
    const endpoint: Endpoint = {
      ...chatEndpoint,
      parse(body, text) {
        parsed = new WeakRef(body);
        return chatEndpoint.parse(body, text);
      },
    };
    const f = exchangeFixture({ backends: ["gpu"], endpoint });
    const pending = f.send({
      model: "m",
      messages: [{ role: "user", content: "a long conversation" }],
      stream: true,
    });
    const upstream = await f.upstream.exchange();
    upstream.respond();
    upstream.push('data: {"n":1}\n\n');
    const response = await pending;
    const reader = response.body!.getReader();
    expect(decoder.decode((await reader.read()).value)).toBe('data: {"n":1}\n\n');
    if (collect !== undefined) {
      for (let i = 0; i < 3; i++) {
        await settle();
        collect(true);
      }
      expect(parsed!.deref()).toBeUndefined();
    }
    // The stream goes on as before: the rest arrives, and the request is counted as it ends.
    upstream.push("data: [DONE]\n\n");
    upstream.end();
    reader.releaseLock();
    expect((await readAll(response.body!)).text).toBe("data: [DONE]\n\n");
    await settle();
    expect(f.inflight.count).toBe(0);
    expect(f.events.map((event) => [event.requestedModel, event.stream, event.status])).toEqual([
      ["m", true, 200],
    ]);
  });
});
