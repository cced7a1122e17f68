/**
 * POST /v1/completions (legacy text completions, code autocomplete) through the official `openai`
 * SDK: non-stream and stream, streamed bytes identical to the backend's, fill-in-the-middle routed
 * only to models not known to lack it, and the route's error rows in the OpenAI envelope.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { closedPort } from "../helpers/ports.ts";
import { fimReply } from "../mock/completions.ts";

const TEXT = "def add(a, b):\n    return a + b\n";
let coder: MockBackend;
let plain: MockBackend;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  coder = await startMockBackend({
    flavor: "ollama",
    models: [{ id: "qwen2.5-coder:7b" }, { id: "llama3:8b" }],
    text: TEXT,
    chunks: 5,
  });
  plain = await startMockBackend({ flavor: "vllm", models: [{ id: "starcoder2" }], text: TEXT });
  gateway = await startGateway([
    {
      name: "coder",
      url: coder.url,
      type: "ollama",
      models: [
        { id: "qwen2.5-coder:7b", capabilities: { completion: true, fim: true } },
        { id: "llama3:8b", capabilities: { completion: true, fim: false } },
      ],
    },
    { name: "plain", url: plain.url, type: "vllm", models: ["starcoder2"] },
    {
      name: "dead",
      url: `http://127.0.0.1:${await closedPort()}`,
      type: "vllm",
      models: ["gone"],
    },
    { name: "down", url: "http://127.0.0.1:1", status: "unhealthy", models: ["sleepy"] },
  ], {
    server: { max_body_bytes: 4096, first_byte_timeout_seconds: 0.5 },
    routing: { max_retries: 0 },
  });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "sk-any", maxRetries: 0 });
});

afterEach(() => coder.mock.setFault({ kind: "none" }));
afterAll(async () => {
  await gateway.close();
  await coder.close();
  await plain.close();
});

async function post(body: unknown) {
  const response = await fetch(`${gateway.url}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { response, json: await response.json() };
}

describe("POST /v1/completions through the openai SDK", () => {
  test("a non-stream completion returns the backend's text_completion", async () => {
    const { data, response } = await client.completions.create({
      model: "qwen2.5-coder:7b",
      prompt: "def add(",
      max_tokens: 32,
      stop: ["\n\n"],
    }).withResponse();
    expect(data.object).toBe("text_completion");
    expect(data.choices[0]!.text).toBe(TEXT);
    expect(response.headers.get("x-nexus-backend")).toBe("coder");
  });

  test("a stream arrives chunk by chunk and adds up to the text", async () => {
    const stream = await client.completions.create({
      model: "qwen2.5-coder:7b",
      prompt: "def add(",
      stream: true,
    });
    let text = "";
    let chunks = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? "";
      chunks++;
    }
    expect(text).toBe(TEXT);
    expect(chunks).toBeGreaterThanOrEqual(5);
  });

  test("streamed bytes are the backend's, byte for byte", async () => {
    const body = JSON.stringify({ model: "starcoder2", prompt: "x", stream: true });
    const through = await (await fetch(`${gateway.url}/v1/completions`, {
      method: "POST",
      body,
    })).text();
    const direct = await (await fetch(`${plain.url}/v1/completions`, { method: "POST", body }))
      .text();
    // Each event carries the mock's own send time; everything else must be identical.
    const strip = (text: string) =>
      text.replace(/"id":"[^"]+"/g, "").replace(/"x_sent_ms":[\d.]+/g, "").replace(
        /"created":\d+/g,
        "",
      );
    expect(strip(through)).toBe(strip(direct));
    expect(through.endsWith("data: [DONE]\n\n")).toBe(true);
  });

  test("fill-in-the-middle: the suffix reaches a model that inserts", async () => {
    const suffix = "\n\nprint(add(1, 2))\n";
    const data = await client.completions.create({
      model: "qwen2.5-coder:7b",
      prompt: "def add(a, b):\n",
      suffix,
    });
    expect(data.choices[0]!.text).toBe(fimReply(suffix));
    const sent = coder.mock.requests.filter((r) => r.path === "/v1/completions").at(-1)!;
    expect((sent.body as { suffix: string }).suffix).toBe(suffix);
  });

  test("fill-in-the-middle to a model of unknown ability is passed on", async () => {
    const data = await client.completions.create({
      model: "starcoder2",
      prompt: "a",
      suffix: "b",
    });
    expect(data.choices[0]!.text).toBe(fimReply("b"));
  });

  test("fill-in-the-middle to a model known not to insert: a permanent 400 saying so", async () => {
    const sent = coder.mock.requests.length;
    const error = await client.completions.create({ model: "llama3:8b", prompt: "a", suffix: "b" })
      .catch((e: unknown) => e);
    expect(coder.mock.requests.length).toBe(sent);
    // A 400, not a 503: the SDK does not retry it and the caller learns it never will work.
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const rejected = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(rejected.status).toBe(400);
    expect(rejected.code).toBe("invalid_request_error");
    expect(rejected.param).toBe("suffix");
    expect(rejected.headers?.get("retry-after") ?? null).toBeNull();
    expect(rejected.message).toContain('Model "llama3:8b" does not support fill-in-the-middle');
    expect(rejected.message).toContain("coder: no fill-in-the-middle (suffix) support");
    const body = rejected.error as { type: string; context: { excluded: { reason: string }[] } };
    expect(body.type).toBe("invalid_request_error");
    expect(body.context.excluded[0]!.reason).toBe("no fill-in-the-middle (suffix) support");
  });

  test("the same model without a suffix is served (the 400 is about the suffix)", async () => {
    const data = await client.completions.create({ model: "llama3:8b", prompt: "a" });
    expect(data.choices[0]!.text).toBe(TEXT);
  });
});

describe("error rows of /v1/completions", () => {
  const invalid: Array<[string, unknown, string | null]> = [
    ["a missing prompt", { model: "starcoder2" }, "prompt"],
    ["a prompt of objects", { model: "starcoder2", prompt: [{}] }, "prompt"],
    ["a numeric suffix", { model: "starcoder2", prompt: "a", suffix: 3 }, "suffix"],
    ["a string stream flag", { model: "starcoder2", prompt: "a", stream: "yes" }, "stream"],
    ["a missing model", { prompt: "a" }, "model"],
  ];
  for (const [what, body, param] of invalid) {
    test(`400 for ${what}`, async () => {
      const { response, json } = await post(body);
      expect(response.status).toBe(400);
      expect(json.error.param).toBe(param);
    });
  }

  test("404 for an unknown model", async () => {
    expect((await post({ model: "ghost", prompt: "a" })).response.status).toBe(404);
  });

  test("413 past max_body_bytes", async () => {
    const { response, json } = await post({ model: "starcoder2", prompt: "x".repeat(5000) });
    expect(response.status).toBe(413);
    expect(json.error.code).toBe("request_too_large");
  });

  test("503 when the model's backend is down", async () => {
    const { response } = await post({ model: "sleepy", prompt: "a" });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).not.toBeNull();
  });

  test("502 when the backend refuses connections", async () => {
    const { response, json } = await post({ model: "gone", prompt: "a" });
    expect(response.status).toBe(502);
    expect(json.error.code).toBe("bad_gateway");
  });

  test("504 when the backend does not answer in time", async () => {
    coder.mock.setFault({ kind: "hang-before-headers", paths: ["/v1/completions"] });
    const { response, json } = await post({ model: "qwen2.5-coder:7b", prompt: "a" });
    expect(response.status).toBe(504);
    expect(json.error.code).toBe("gateway_timeout");
  });
});
