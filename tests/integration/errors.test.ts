/**
 * Every row of the error table (REFERENCE.md A1): the status, and the OpenAI envelope with the
 * right code — never plain text or an empty body.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { type MockBackend, sseEvents, startMockBackend } from "../helpers/mock-backend.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { closedPort } from "../helpers/ports.ts";

let primary: MockBackend;
let gateway: RunningGateway;
let deadUrl: string;

beforeAll(async () => {
  primary = await startMockBackend({ models: [{ id: "m" }], chunks: 4 });
  deadUrl = `http://127.0.0.1:${await closedPort()}`;
  gateway = await startGateway([
    { name: "primary", url: primary.url, models: ["m", "vision-model"] },
    { name: "dead", url: deadUrl, models: ["only-dead"] },
    { name: "down", url: "http://127.0.0.1:1", status: "unhealthy", models: ["sleepy"] },
  ], {
    server: {
      max_body_bytes: 1024,
      first_byte_timeout_seconds: 0.5,
      idle_timeout_seconds: 0.5,
      body_timeout_seconds: 0.3,
    },
    routing: { max_retries: 0 },
  });
});

afterEach(() => primary.mock.setFault({ kind: "none" }));
afterAll(async () => {
  await gateway.close();
  await primary.close();
});

async function post(
  body: string | Uint8Array | ReadableStream<Uint8Array>,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
  return { response, text: await response.text() };
}

function envelope(
  text: string,
): { message: string; type: string; param: string | null; code: string; context?: unknown } {
  const parsed = JSON.parse(text);
  expect(Object.keys(parsed)).toEqual(["error"]);
  expect(typeof parsed.error.message).toBe("string");
  expect(parsed.error.message.length).toBeGreaterThan(0);
  expect(typeof parsed.error.type).toBe("string");
  expect("param" in parsed.error).toBe(true);
  return parsed.error;
}

const chat = (model: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], ...extra });

describe("400 invalid_request_error", () => {
  const cases: Array<[string, string, string | null]> = [
    ["a body that is not JSON", "{not json", null],
    ["a body that is not an object", "[1,2]", null],
    ["a missing model", JSON.stringify({ messages: [] }), "model"],
    ["a model that is not a string", JSON.stringify({ model: 42, messages: [] }), "model"],
    ["missing messages", JSON.stringify({ model: "m" }), "messages"],
    ["messages that are not an array", JSON.stringify({ model: "m", messages: "hi" }), "messages"],
    [
      "a stream flag that is not a boolean",
      JSON.stringify({ model: "m", messages: [], stream: "yes" }),
      "stream",
    ],
  ];
  for (const [what, body, param] of cases) {
    test(`for ${what}, naming the field`, async () => {
      const { response, text } = await post(body);
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toContain("application/json");
      expect(response.headers.get("x-request-id")).toBeTruthy();
      const error = envelope(text);
      expect(error.code).toBe("invalid_request_error");
      expect(error.type).toBe("invalid_request_error");
      expect(error.param).toBe(param);
    });
  }
});

describe("413 request_too_large", () => {
  test("for a body over the limit with a Content-Length", async () => {
    const { response, text } = await post(chat("m", { pad: "x".repeat(2000) }));
    expect(response.status).toBe(413);
    expect(envelope(text).code).toBe("request_too_large");
  });

  test("for a chunked body over the limit, without buffering it all", async () => {
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 64) return controller.close();
        sent++;
        controller.enqueue(new TextEncoder().encode("x".repeat(512)));
      },
    });
    const { response, text } = await post(body);
    expect(response.status).toBe(413);
    expect(envelope(text).code).toBe("request_too_large");
  });
});

describe("408 request_timeout", () => {
  test("for a body that stops arriving (slowloris), within the body deadline", async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"model":"m","messages":['));
      },
    });
    const { response, text } = await post(body);
    expect(response.status).toBe(408);
    expect(envelope(text).code).toBe("request_timeout");
  });
});

describe("404 and 405", () => {
  test("an unknown model is 404 model_not_found listing the available models", async () => {
    const { response, text } = await post(chat("gpt-17"));
    expect(response.status).toBe(404);
    const error = envelope(text);
    expect(error.code).toBe("model_not_found");
    expect(error.param).toBe("model");
    expect(error.message).toContain('"gpt-17"');
    expect(error.message).toContain("m, only-dead, vision-model");
  });

  test("an unknown path is 404 not_found", async () => {
    const response = await fetch(`${gateway.url}/v1/nothing-here`);
    expect(response.status).toBe(404);
    expect(envelope(await response.text()).code).toBe("not_found");
  });

  test("a wrong method on a known path is 405 method_not_allowed with Allow", async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`);
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    expect(envelope(await response.text()).code).toBe("method_not_allowed");
  });
});

describe("503 service_unavailable", () => {
  test("a model whose every backend is unhealthy is 503 with Retry-After and the reasons", async () => {
    const { response, text } = await post(chat("sleepy"));
    expect(response.status).toBe(503);
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    const error = envelope(text);
    expect(error.code).toBe("service_unavailable");
    expect(JSON.stringify(error.context)).toContain('"backend":"down"');
    expect(JSON.stringify(error.context)).toContain("unhealthy");
  });
});

describe("502 and 504", () => {
  test("a refused connection is 502 bad_gateway naming the backend", async () => {
    const { response, text } = await post(chat("only-dead"));
    expect(response.status).toBe(502);
    const error = envelope(text);
    expect(error.code).toBe("bad_gateway");
    expect(error.message).toContain("dead: connection refused");
  });

  test("a 5xx from the only backend is 502 bad_gateway", async () => {
    primary.mock.setFault({ kind: "status", status: 500, body: "boom" });
    const { response, text } = await post(chat("m"));
    expect(response.status).toBe(502);
    expect(envelope(text).message).toContain("primary: HTTP 500: boom");
  });

  test("a backend that never answers is 504 gateway_timeout after the first-byte deadline", async () => {
    primary.mock.setFault({ kind: "hang-before-headers" });
    const { response, text } = await post(chat("m"));
    expect(response.status).toBe(504);
    expect(envelope(text).code).toBe("gateway_timeout");
    await primary.mock.nextAbort();
  });
});

describe("upstream 4xx pass through", () => {
  for (const status of [400, 401, 403, 404, 422, 429]) {
    test(`${status} keeps its status and the backend's body`, async () => {
      const body = JSON.stringify({
        error: { message: `upstream says ${status}`, type: "x", param: null, code: "y" },
      });
      primary.mock.setFault({
        kind: "status",
        status,
        body,
        headers: {
          "content-type": "application/json",
          ...(status === 429 ? { "retry-after": "7" } : {}),
        },
      });
      const { response, text } = await post(chat("m"));
      expect(response.status).toBe(status);
      expect(text).toBe(body);
      expect(response.headers.get("x-nexus-backend")).toBe("primary");
      if (status === 429) expect(response.headers.get("retry-after")).toBe("7");
    });
  }

  test("the openai SDK sees a 429 as a RateLimitError, not a 400", async () => {
    primary.mock.setFault({
      kind: "status",
      status: 429,
      body: '{"error":{"message":"slow down","type":"rate_limit_error","param":null,"code":null}}',
    });
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "x", maxRetries: 0 });
    const error = await client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "hi" }],
    })
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
  });
});

describe("failures after the first streamed byte", () => {
  test("a backend that cuts the stream yields one final in-stream error event, then the stream ends", async () => {
    primary.mock.setFault({ kind: "close-mid-stream", afterChunks: 2 });
    const { response, text } = await post(chat("m", { stream: true }));
    expect(response.status).toBe(200);
    const events = sseEvents(text);
    const last = events[events.length - 1]!;
    expect(last.startsWith("data: ")).toBe(true);
    const error = JSON.parse(last.slice("data: ".length)).error;
    expect(error.code).toBe("bad_gateway");
    expect(error.message).toContain("primary");
    expect(events.filter((e) => e.includes('"error"'))).toHaveLength(1);
  });

  test("a backend that goes silent mid-stream is cut at the idle deadline with a timeout event", async () => {
    primary.mock.setFault({ kind: "hang-mid-stream", afterChunks: 2 });
    const { response, text } = await post(chat("m", { stream: true }));
    expect(response.status).toBe(200);
    const events = sseEvents(text);
    const error = JSON.parse(events[events.length - 1]!.slice("data: ".length)).error;
    expect(error.code).toBe("gateway_timeout");
    await primary.mock.nextAbort();
  });
});

describe("header floods", () => {
  test("a request with oversized headers is refused and the server keeps serving", async () => {
    const headers: Record<string, string> = {};
    for (let i = 0; i < 200; i++) headers[`x-flood-${i}`] = "y".repeat(1000);
    const status = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers,
      body: chat("m"),
    })
      .then((r) => r.status, () => 0);
    expect(status === 0 || status === 431 || status === 400).toBe(true);
    const after = await post(chat("m"));
    expect(after.response.status).toBe(200);
  });
});
