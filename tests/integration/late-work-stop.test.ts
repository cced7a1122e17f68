/**
 * A request's log line waits for its batch (src/metrics/late-work.ts, at most 10 ms); a gateway
 * that stops or drains before the batch's timer fires still writes it. On a FakeClock the timer
 * never fires by itself, so only the stop can have written the line.
 */
import { describe, expect, test } from "bun:test";
import { validateConfig } from "../../src/config/mod.ts";
import { createGateway } from "../../src/gateway.ts";
import { Logger } from "../../src/lib/logger.ts";
import { FakeClock } from "../helpers/fake-clock.ts";

const COMPLETION = JSON.stringify({
  id: "chatcmpl-1",
  object: "chat.completion",
  choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
});

function gatewayOnFakeClock() {
  const lines: string[] = [];
  const gateway = createGateway({
    config: validateConfig({
      discovery: { enabled: false },
      health_check: { enabled: false },
      backends: [{ name: "gpu", url: "http://gpu.test:8000", type: "vllm" }],
    }).config,
    env: {},
    clock: new FakeClock(),
    logger: new Logger({ level: "info", format: "json", write: (line) => lines.push(line) }),
    fetch: () =>
      Promise.resolve(
        new Response(COMPLETION, {
          headers: {
            "content-type": "application/json",
            "content-length": String(COMPLETION.length),
          },
        }),
      ),
    probeFetch: () => Promise.reject(new TypeError("no probes here")),
  });
  gateway.registry.setModels("gpu", [{ id: "m", capabilities: {} }]);
  gateway.registry.setStatus("gpu", "healthy");
  const requestLines = () =>
    lines.map((line) => JSON.parse(line)).filter((line) => line.message === "request");
  const chat = async (id: string) => {
    const response = await gateway.fetch(
      new Request("http://nexus.test/v1/chat/completions", {
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": id },
        body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
      }),
      { remoteAddress: "127.0.0.1" },
    );
    expect(response.status).toBe(200);
    await response.text();
  };
  return { gateway, requestLines, chat };
}

describe("request log lines still in their batch", () => {
  test("are written when the gateway stops", async () => {
    const { gateway, requestLines, chat } = gatewayOnFakeClock();
    await chat("before-stop");
    expect(requestLines()).toEqual([]);
    await gateway.stop();
    expect(requestLines().map((line) => line.request_id)).toEqual(["before-stop"]);
  });

  test("are written when the gateway drains", async () => {
    const { gateway, requestLines, chat } = gatewayOnFakeClock();
    await chat("before-drain");
    expect(requestLines()).toEqual([]);
    expect(await gateway.drain(1000)).toBe(true);
    expect(requestLines().map((line) => line.request_id)).toEqual(["before-drain"]);
  });
});
