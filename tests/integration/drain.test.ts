/** The shutdown drain seen from inside one gateway: refusals are recorded, late work never leaves. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type MockBackend, startMockBackend, waitFor } from "../helpers/mock-backend.ts";

let mock: MockBackend;
let gateway: RunningGateway;

beforeAll(async () => {
  mock = await startMockBackend({ models: [{ id: "m" }] });
  gateway = await startGateway([{ name: "mock", url: mock.url, models: ["m"] }]);
});

afterAll(async () => {
  await gateway.close();
  await mock.close();
});

describe("the shutdown drain", () => {
  test("a body still uploading when the drain deadline passes is answered 503 and never forwarded", async () => {
    const encoder = new TextEncoder();
    let send!: (text: string) => void;
    let finish!: () => void;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        send = (text) => controller.enqueue(encoder.encode(text));
        finish = () => controller.close();
      },
    });
    const pending = fetch(
      `${gateway.url}/v1/chat/completions`,
      { method: "POST", body, duplex: "half" } as RequestInit,
    );
    send('{"model":"m",');
    await waitFor(() => gateway.gateway.inflight.count === 1, "the request to be in flight");
    gateway.gateway.inflight.drain();
    gateway.gateway.inflight.abortAll();
    send('"messages":[{"role":"user","content":"hi"}]}');
    finish();
    const response = await pending;
    expect(response.status).toBe(503);
    expect((await response.json()).error.message).toContain("shutting down");
    expect(mock.mock.chatRequests()).toHaveLength(0);
    expect(gateway.gateway.registry.get("mock")!.pending).toBe(0);
  });

  test("requests refused while draining are logged and counted", async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "x-request-id": "late-client-1" },
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(response.status).toBe(503);
    const line = gateway.logs.map((l) => JSON.parse(l)).find((l) =>
      l.request_id === "late-client-1"
    );
    expect(line).toMatchObject({ message: "request", status: 503 });
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/nexus_requests_total\{[^}]*status="503"[^}]*\} [1-9]/);
  });
});
