/**
 * POST /v1/embeddings through the official `openai` SDK: float and base64 answers pass through,
 * only models that may embed are routed to, a chat model is refused with a 400 that says what it
 * can do, an embedding model never gets a chat request, and every error row of the route answers
 * in the OpenAI envelope.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { closedPort } from "../helpers/ports.ts";
import { parseSamples, sampleValue } from "../helpers/prometheus.ts";

let ollama: MockBackend;
let spare: MockBackend;
let gateway: RunningGateway;
let client: OpenAI;

const EMBED = { embeddings: true, completion: false };
const CHAT = { embeddings: false, completion: true, tools: true };

beforeAll(async () => {
  ollama = await startMockBackend({
    flavor: "ollama",
    models: [{ id: "nomic-embed-text" }, { id: "llama3:8b" }],
  });
  spare = await startMockBackend({ flavor: "vllm", models: [{ id: "bge-m3" }] });
  gateway = await startGateway([
    {
      name: "ollama",
      url: ollama.url,
      type: "ollama",
      models: [
        { id: "nomic-embed-text", capabilities: EMBED },
        { id: "llama3:8b", capabilities: CHAT },
      ],
    },
    { name: "spare", url: spare.url, type: "vllm", priority: 90, models: ["bge-m3"] },
    {
      name: "dead",
      url: `http://127.0.0.1:${await closedPort()}`,
      type: "vllm",
      models: [{ id: "gone-embed", capabilities: EMBED }],
    },
    { name: "cluster", url: "http://127.0.0.1:9", type: "exo", models: ["exo-only"] },
    {
      name: "down",
      url: "http://127.0.0.1:1",
      type: "ollama",
      status: "unhealthy",
      models: [{ id: "sleepy-embed", capabilities: EMBED }],
    },
  ], {
    // 3 s, not less: the 504 case waits it out once, and the 8 MiB batch below must fit inside
    // it on a loaded 2-core machine (under Deno at load 7 it once took more than 0.5 s).
    server: { max_body_bytes: 16 * 1024 * 1024, first_byte_timeout_seconds: 3 },
    routing: { aliases: { "text-embedding-3-small": "nomic-embed-text" }, max_retries: 0 },
  });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "sk-any", maxRetries: 0 });
});

afterEach(() => ollama.mock.setFault({ kind: "none" }));
afterAll(async () => {
  await gateway.close();
  await ollama.close();
  await spare.close();
});

async function post(body: unknown) {
  const response = await fetch(`${gateway.url}/v1/embeddings`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { response, json: await response.json() };
}

describe("POST /v1/embeddings through the openai SDK", () => {
  test("float vectors, through an alias, with Nexus's headers", async () => {
    const { data, response } = await client.embeddings.create({
      model: "text-embedding-3-small",
      input: ["one", "two"],
      encoding_format: "float",
    }).withResponse();
    expect(data.data).toHaveLength(2);
    expect(data.data[0]!.embedding).toHaveLength(8);
    expect(typeof data.data[0]!.embedding[0]).toBe("number");
    expect(data.model).toBe("nomic-embed-text");
    expect(response.headers.get("x-nexus-backend")).toBe("ollama");
    expect(response.headers.get("x-nexus-route-reason")).toBe("capability-match");
    const sent = ollama.mock.requests.filter((r) => r.path === "/v1/embeddings").at(-1)!;
    expect((sent.body as { model: string }).model).toBe("nomic-embed-text");
  });

  test("base64 (the SDK's default) is decoded by the client as it is from OpenAI", async () => {
    const { data } = await client.embeddings.create({ model: "nomic-embed-text", input: "hi" });
    const direct = await (await fetch(`${ollama.url}/v1/embeddings`, {
      method: "POST",
      body: JSON.stringify({ model: "nomic-embed-text", input: "hi", encoding_format: "float" }),
    })).json();
    expect(data[0]!.embedding.map((v) => Math.round(v * 1e4))).toEqual(
      direct.data[0].embedding.map((v: number) => Math.round(v * 1e4)),
    );
  });

  test("a model with unknown capabilities is tried: the backend answers for itself", async () => {
    const { data } = await client.embeddings.create({ model: "bge-m3", input: [[1, 2, 3]] });
    expect(data).toHaveLength(1);
  });

  test("a batch of 2,048 inputs (~8 MiB) goes through in one request", async () => {
    const input = Array.from({ length: 2048 }, (_, i) => `${i} `.padEnd(4000, "x"));
    const { data } = await client.embeddings.create({
      model: "nomic-embed-text",
      input,
      encoding_format: "float",
    });
    expect(data).toHaveLength(2048);
  });

  test('counts under endpoint="embeddings" in the metrics', async () => {
    const samples = parseSamples(await gateway.gateway.observability.metricsText());
    const count = sampleValue(samples, "nexus_requests_total", {
      model: "nomic-embed-text",
      backend: "ollama",
      endpoint: "embeddings",
      status: "200",
    });
    expect(count).toBeGreaterThanOrEqual(2);
  });
});

describe("what embeds and what chats", () => {
  test("a chat model asked for embeddings: 400 naming the model and what it can do", async () => {
    const { response, json } = await post({ model: "llama3:8b", input: "hi" });
    expect(response.status).toBe(400);
    expect(json.error.code).toBe("invalid_request_error");
    expect(json.error.param).toBe("model");
    expect(json.error.message).toContain('Model "llama3:8b" does not create embeddings');
    expect(json.error.message).toContain("ollama: not an embedding model");
  });

  test("an embedding model asked to chat: 503 with the reason `embedding model`", async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({
        model: "nomic-embed-text",
        messages: [{ role: "user", content: "hi" }],
      }),
    });
    expect(response.status).toBe(503);
    const { error } = await response.json();
    expect(error.context.excluded).toEqual([
      { backend: "ollama", model: "nomic-embed-text", reason: "embedding model" },
    ]);
  });

  test("a server type without embeddings (exo) is excluded with the reason", async () => {
    const { response, json } = await post({ model: "exo-only", input: "hi" });
    expect(response.status).toBe(503);
    expect(json.error.context.excluded[0].reason).toBe("exo servers do not serve embeddings");
  });
});

describe("error rows of /v1/embeddings", () => {
  const invalid: Array<[string, unknown, string | null]> = [
    ["a missing input", { model: "nomic-embed-text" }, "input"],
    ["an empty input array", { model: "nomic-embed-text", input: [] }, "input"],
    ["mixed input types", { model: "nomic-embed-text", input: ["a", 1] }, "input[1]"],
    [
      "an unknown encoding",
      { model: "nomic-embed-text", input: "a", encoding_format: "hex" },
      "encoding_format",
    ],
    ["zero dimensions", { model: "nomic-embed-text", input: "a", dimensions: 0 }, "dimensions"],
    ["a missing model", { input: "a" }, "model"],
    ["a body that is not JSON", "{nope", null],
  ];
  for (const [what, body, param] of invalid) {
    test(`400 for ${what}`, async () => {
      const { response, json } = await post(body);
      expect(response.status).toBe(400);
      expect(json.error.code).toBe("invalid_request_error");
      expect(json.error.param).toBe(param);
    });
  }

  test("a value of the right type but not allowed is named in the message", async () => {
    const format = await post({ model: "nomic-embed-text", input: "a", encoding_format: "hex" });
    expect(format.json.error.message).toBe(
      `Invalid 'encoding_format': expected "float" or "base64", got "hex"`,
    );
    const dimensions = await post({ model: "nomic-embed-text", input: "a", dimensions: 0 });
    expect(dimensions.json.error.message).toBe(
      "Invalid 'dimensions': expected a positive integer, got 0",
    );
    // 1e309 parses as Infinity, which JSON writes as null: the message said "got null".
    const huge = await post('{"model": "nomic-embed-text", "input": "a", "dimensions": 1e309}');
    expect(huge.json.error.message).toBe(
      "Invalid 'dimensions': expected a positive integer, got Infinity",
    );
  });

  test("an empty input array is called empty, not just 'an array' (which is allowed)", async () => {
    const { json } = await post({ model: "nomic-embed-text", input: [] });
    expect(json.error.message).toBe(
      "Invalid 'input': expected a string, an array of strings, an array of token ids or an array of token arrays, got an empty array",
    );
  });

  test("a bad item in an input list is named by its index and the shape input[0] set", async () => {
    const cases: [unknown[], string, string][] = [
      [["a", "b", null], "input[2]", "expected a string, as input[0] is, got null"],
      [
        [1, 2, "3"],
        "input[2]",
        "expected a token id (an integer from 0), as input[0] is, got a string",
      ],
      [
        [[1], []],
        "input[1]",
        "expected a non-empty array of token ids, as input[0] is, got an empty array",
      ],
      [[null], "input[0]", "expected a string, an array of token ids or a token id, got null"],
      // input[0] breaks the shape it sets: said without "as input[0] is", the number shown.
      [[-1, 2], "input[0]", "expected a token id (an integer from 0), got -1"],
      [[1, 1.5], "input[1]", "expected a token id (an integer from 0), as input[0] is, got 1.5"],
      [[[]], "input[0]", "expected a non-empty array of token ids, got an empty array"],
      // In a list of token arrays, the token itself (it said "got an array").
      [[[1], [2, -3]], "input[1][1]", "expected a token id (an integer from 0), got -3"],
      [[["a"]], "input[0][0]", "expected a token id (an integer from 0), got a string"],
    ];
    for (const [input, param, expected] of cases) {
      const { response, json } = await post({ model: "nomic-embed-text", input });
      expect(response.status).toBe(400);
      expect(json.error.param).toBe(param);
      expect(json.error.message).toBe(`Invalid '${param}': ${expected}`);
    }
  });

  test("404 model_not_found for an unknown model", async () => {
    const { response, json } = await post({ model: "ghost", input: "a" });
    expect(response.status).toBe(404);
    expect(json.error.code).toBe("model_not_found");
  });

  test("413 request_too_large past max_body_bytes", async () => {
    const { response, json } = await post({
      model: "nomic-embed-text",
      input: "x".repeat(17 * 1024 * 1024),
    });
    expect(response.status).toBe(413);
    expect(json.error.code).toBe("request_too_large");
  });

  test("503 service_unavailable with Retry-After when the only backend is down", async () => {
    const { response, json } = await post({ model: "sleepy-embed", input: "a" });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).not.toBeNull();
    expect(json.error.code).toBe("service_unavailable");
  });

  test("502 bad_gateway when the backend refuses connections", async () => {
    const { response, json } = await post({ model: "gone-embed", input: "a" });
    expect(response.status).toBe(502);
    expect(json.error.code).toBe("bad_gateway");
    expect(json.error.message).toContain("dead:");
  });

  test("504 gateway_timeout when the backend does not answer in time", async () => {
    ollama.mock.setFault({ kind: "hang-before-headers", paths: ["/v1/embeddings"] });
    const { response, json } = await post({ model: "nomic-embed-text", input: "a" });
    expect(response.status).toBe(504);
    expect(json.error.code).toBe("gateway_timeout");
  });

  test("a backend's own 4xx passes through as it is", async () => {
    ollama.mock.setFault({
      kind: "status",
      status: 422,
      body: '{"error":"input too long"}',
      paths: ["/v1/embeddings"],
    });
    const { response, json } = await post({ model: "nomic-embed-text", input: "a" });
    expect(response.status).toBe(422);
    expect(json).toEqual({ error: "input too long" });
  });
});
