/** 200 concurrent streams through Nexus all complete with the right content. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type MockBackend, sseEvents, startMockBackend } from "../helpers/mock-backend.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";

const TEXT = "one two three four five six seven eight";
let a: MockBackend;
let b: MockBackend;
let gateway: RunningGateway;

beforeAll(async () => {
  a = await startMockBackend({ models: [{ id: "m" }], text: TEXT, chunks: 8, chunkGapMs: 2 });
  b = await startMockBackend({ models: [{ id: "m" }], text: TEXT, chunks: 8, chunkGapMs: 2 });
  gateway = await startGateway([
    { name: "a", url: a.url, models: ["m"] },
    { name: "b", url: b.url, models: ["m"] },
  ]);
});

afterAll(async () => {
  await gateway.close();
  await a.close();
  await b.close();
});

function contentOf(body: string): string {
  let text = "";
  for (const event of sseEvents(body)) {
    const data = event.slice("data: ".length);
    if (data === "[DONE]") continue;
    text += JSON.parse(data).choices[0]?.delta?.content ?? "";
  }
  return text;
}

describe("concurrent streams", () => {
  test("200 streams at once all complete with the backend's text and end with [DONE]", async () => {
    const body = JSON.stringify({
      model: "m",
      messages: [{ role: "user", content: "count" }],
      stream: true,
    });
    const results = await Promise.all(Array.from({ length: 200 }, async () => {
      const response = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", body });
      return { status: response.status, text: await response.text() };
    }));
    for (const { status, text } of results) {
      expect(status).toBe(200);
      expect(contentOf(text)).toBe(TEXT);
      expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
    }
    expect(gateway.gateway.registry.get("a")!.pending).toBe(0);
    expect(gateway.gateway.registry.get("b")!.pending).toBe(0);
    expect(a.mock.chatRequests().length + b.mock.chatRequests().length).toBe(200);
  }, 60_000);
});
