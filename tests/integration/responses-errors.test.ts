/**
 * Every error row of the API table on `POST /v1/responses`, in the OpenAI envelope, through a
 * translated (chat-only) backend and a passthrough (native Responses) one: 400 for a bad body or
 * a field the translation cannot carry, 404, 413, 503, 502, 504, a backend's own 4xx, and the
 * in-stream error of a stream that fails after its first byte.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { closedPort } from "../helpers/ports.ts";
import { checkSequence, parseEvents } from "../helpers/responses-events.ts";

let chatOnly: MockBackend;
let native: MockBackend;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  chatOnly = await startMockBackend({ models: [{ id: "m" }], chunks: 4 });
  native = await startMockBackend({ flavor: "vllm", responses: true, models: [{ id: "n" }] });
  gateway = await startGateway([
    { name: "chat-box", url: chatOnly.url, models: ["m"] },
    { name: "native-box", url: native.url, type: "vllm", models: ["n"] },
    { name: "dead", url: `http://127.0.0.1:${await closedPort()}`, models: ["only-dead"] },
    { name: "down", url: "http://127.0.0.1:1", status: "unhealthy", models: ["sleepy"] },
  ], {
    server: { max_body_bytes: 4096, first_byte_timeout_seconds: 0.5, idle_timeout_seconds: 0.5 },
    routing: { max_retries: 0 },
  });
  gateway.gateway.features.start();
  await gateway.gateway.features.idle();
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "sk-client", maxRetries: 0 });
});

afterEach(() => {
  chatOnly.mock.setFault({ kind: "none" });
  native.mock.setFault({ kind: "none" });
});
afterAll(async () => {
  await gateway.close();
  await chatOnly.close();
  await native.close();
});

async function post(body: string) {
  const response = await fetch(`${gateway.url}/v1/responses`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  return { response, text: await response.text() };
}

/** The OpenAI envelope, checked; its `error` object. */
function envelope(text: string) {
  const parsed = JSON.parse(text);
  expect(Object.keys(parsed)).toEqual(["error"]);
  expect(parsed.error.message.length).toBeGreaterThan(0);
  expect("param" in parsed.error).toBe(true);
  return parsed.error as { message: string; type: string; param: string | null; code: string };
}

const req = (model: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model, input: "hi", ...extra });

describe("400 invalid_request_error", () => {
  const cases: Array<[string, string, string | null, string?]> = [
    ["a body that is not JSON", "{not json", null],
    ["a missing model", JSON.stringify({ input: "hi" }), "model"],
    ["an input that is neither text nor items", req("m", { input: 42 }), "input"],
    ["a stream flag that is not a boolean", req("m", { stream: "yes" }), "stream"],
    ["store: true on a chat backend", req("m", { store: true }), "store", "keeps no"],
    [
      "previous_response_id on a chat backend",
      req("m", { previous_response_id: "resp_1" }),
      "previous_response_id",
      "keeps no",
    ],
    ["a hosted tool", req("m", { tools: [{ type: "web_search" }] }), "tools[0].type", "web_search"],
    [
      "a free-form custom tool",
      req("m", { tools: [{ type: "custom", name: "apply_patch" }] }),
      "tools[0].type",
      "custom",
    ],
    [
      "an input item with no chat equivalent",
      req("m", { input: [{ type: "local_shell_call", call_id: "c", action: {} }] }),
      "input[0].type",
      "local_shell_call",
    ],
    ["no input at all on a chat backend", JSON.stringify({ model: "m" }), "input"],
    [
      "an empty input and no instructions on a chat backend",
      req("m", { input: [] }),
      "input",
      "nothing to answer",
    ],
  ];
  for (const [what, body, param, mentions] of cases) {
    test(`for ${what}, naming the field`, async () => {
      const { response, text } = await post(body);
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toContain("application/json");
      const error = envelope(text);
      expect(error.type).toBe("invalid_request_error");
      expect(error.code).toBe("invalid_request_error");
      expect(error.param).toBe(param);
      if (mentions) expect(error.message).toContain(mentions);
    });
  }

  test("an empty input is the native backend's to judge: passed through untouched", async () => {
    const sent = native.mock.requests.filter((r) => r.path === "/v1/responses").length;
    await post(req("n", { input: [] }));
    const forwarded = native.mock.requests.filter((r) => r.path === "/v1/responses");
    expect(forwarded.length).toBe(sent + 1);
    expect((forwarded.pop()!.body as { input: unknown }).input).toEqual([]);
  });

  test("the SDK sees store: true on a chat backend as a BadRequestError naming 'store'", async () => {
    const error = await client.responses.create({ model: "m", input: "hi", store: true })
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("store");
  });

  test("a backend's own 4xx reaches the client with its status and message", async () => {
    chatOnly.mock.setFault({
      kind: "status",
      status: 422,
      body: JSON.stringify({ error: { message: "tools are not supported by this model" } }),
    });
    const { response, text } = await post(req("m"));
    expect(response.status).toBe(422);
    expect(envelope(text).message).toContain("tools are not supported by this model");
  });
});

describe("404, 413, 503", () => {
  test("an unknown model is 404 model_not_found", async () => {
    const { response, text } = await post(req("no-such-model"));
    expect(response.status).toBe(404);
    expect(envelope(text)).toMatchObject({ code: "model_not_found", param: "model" });
  });

  test("a body over max_body_bytes is 413 request_too_large", async () => {
    const { response, text } = await post(req("m", { input: "x".repeat(5000) }));
    expect(response.status).toBe(413);
    expect(envelope(text).code).toBe("request_too_large");
  });

  test("a model whose every backend is unhealthy is 503 with Retry-After", async () => {
    const { response, text } = await post(req("sleepy"));
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBeTruthy();
    expect(envelope(text).code).toBe("service_unavailable");
  });
});

const BACKENDS = [
  { path: "translated", model: "m", mock: () => chatOnly, paths: ["/v1/chat/completions"] },
  { path: "passthrough", model: "n", mock: () => native, paths: ["/v1/responses"] },
] as const;

for (const { path, model, mock, paths } of BACKENDS) {
  describe(`502, 504 and in-stream errors (${path})`, () => {
    test("a 5xx from the only backend is 502 bad_gateway", async () => {
      mock().mock.setFault({ kind: "status", status: 500, paths });
      const { response, text } = await post(req(model));
      expect(response.status).toBe(502);
      expect(envelope(text).code).toBe("bad_gateway");
    });

    test("a backend that never answers is 504 gateway_timeout", async () => {
      mock().mock.setFault({ kind: "hang-before-headers", paths });
      const { response, text } = await post(req(model, { stream: true }));
      expect(response.status).toBe(504);
      expect(envelope(text).code).toBe("gateway_timeout");
    });

    test("a stream cut after its first byte ends with an error event the SDK rejects on", async () => {
      mock().mock.setFault({ kind: "close-mid-stream", afterChunks: 3, paths });
      const { response, text } = await post(req(model, { stream: true }));
      expect(response.status).toBe(200);
      const events = parseEvents(text);
      const errors = events.filter((e) => e.type === "error");
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ code: "bad_gateway", param: null });
      if (path === "translated") {
        expect(checkSequence(events).type).toBe("response.failed");
      } else {
        expect(events.at(-1)!.type).toBe("error");
      }
      mock().mock.setFault({ kind: "close-mid-stream", afterChunks: 3, paths });
      const stream = client.responses.stream({ model, input: "hi" });
      const failed = await stream.finalResponse().then(() => undefined, (e: unknown) => e);
      // The SDK's stream reader turns the event into an APIError carrying Nexus's message.
      expect(failed).toBeInstanceOf(OpenAI.APIError);
      expect((failed as Error).message).toContain(errors[0]!.message);
    });
  });
}

test("a refused connection is 502 bad_gateway naming the backend", async () => {
  const { response, text } = await post(req("only-dead"));
  expect(response.status).toBe(502);
  const error = envelope(text);
  expect(error.code).toBe("bad_gateway");
  expect(error.message).toContain("dead");
});

describe("a held stream (slow first byte) that then fails", () => {
  test("ends with the error event after its keep-alives, and the SDK throws its message", async () => {
    const slow = await startMockBackend({ models: [{ id: "m" }] });
    const running = await startGateway([{ name: "slow-box", url: slow.url, models: ["m"] }], {
      server: { sse_keepalive_seconds: 0.05, first_byte_timeout_seconds: 0.3 },
      routing: { max_retries: 0 },
    });
    try {
      slow.mock.setFault({ kind: "hang-before-headers" });
      const response = await fetch(`${running.url}/v1/responses`, {
        method: "POST",
        body: req("m", { stream: true }),
      });
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text.startsWith(": keep-alive")).toBe(true);
      const events = parseEvents(text);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ type: "error", code: "gateway_timeout" });
      const sdk = new OpenAI({ baseURL: `${running.url}/v1`, apiKey: "k", maxRetries: 0 });
      const failed = await sdk.responses.stream({ model: "m", input: "hi" }).finalResponse()
        .then(() => undefined, (e: unknown) => e);
      expect(failed).toBeInstanceOf(OpenAI.APIError);
      expect((failed as Error).message).toContain("timed out");
    } finally {
      await running.close();
      await slow.close();
    }
  });
});
