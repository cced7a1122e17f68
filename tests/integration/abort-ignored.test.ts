/**
 * A stream Nexus ends itself (the shutdown drain's deadline, the idle deadline) ends even when the
 * runtime goes on delivering the aborted upstream body. Deno does at times: `nexus serve` under
 * Deno with health checks running kept relaying four streams after the drain deadline aborted
 * their upstream requests, then crashed on the forced stop ("Uncaught BadResource") and the
 * clients saw a connection reset instead of the in-stream error. Here the gateway's fetch ignores
 * the abort signal altogether, the worst such runtime.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type MockBackend, sseEvents, startMockBackend, waitFor } from "../helpers/mock-backend.ts";

let mock: MockBackend | undefined;
let gateway: RunningGateway | undefined;

afterEach(async () => {
  await gateway?.close();
  await mock?.close();
  gateway = mock = undefined;
});

/** A runtime fetch that never lets an abort reach the request or its body. */
const deafFetch = (input: string, init: RequestInit): Promise<Response> => {
  const { signal: _ignored, ...rest } = init;
  return fetch(input, rest);
};

async function setUp(config: Record<string, unknown>, hang = false) {
  mock = await startMockBackend({ models: [{ id: "m" }], chunks: 2000, chunkGapMs: 10 });
  if (hang) mock.mock.setFault({ kind: "hang-mid-stream", afterChunks: 1 });
  gateway = await startGateway([{ name: "mock", url: mock.url, models: ["m"] }], config, {
    fetch: deafFetch,
  });
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model: "m", stream: true, messages: [{ role: "user", content: "hi" }] }),
  });
  expect(response.status).toBe(200);
  const text = response.text();
  await waitFor(() => mock!.mock.activeStreams() === 1, "the stream to be open at the backend");
  return { text, mock, gateway };
}

function lastError(text: string): { code: string; message: string } {
  const events = sseEvents(text);
  return JSON.parse(events[events.length - 1]!.slice("data: ".length)).error;
}

describe("a runtime that ignores the upstream abort", () => {
  test("the drain deadline still ends a running stream with one in-stream error", async () => {
    const { text, mock, gateway } = await setUp({});
    expect(await gateway.gateway.drain(10)).toBe(false);
    const body = await text;
    expect(lastError(body).message).toContain("shutting down");
    expect(sseEvents(body).filter((event) => event.includes('"error"'))).toHaveLength(1);
    // The upstream body is cancelled too: the backend stops generating.
    await waitFor(() => mock.mock.activeStreams() === 0, "the backend stream to be cancelled");
  });

  test("the idle deadline still ends a stream whose backend went silent", async () => {
    const { text } = await setUp({ server: { idle_timeout_seconds: 0.2 } }, true);
    const error = lastError(await text);
    expect(error.code).toBe("gateway_timeout");
    expect(error.message).toContain("silent for more than 0.2 s");
  });
});
