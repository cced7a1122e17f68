/**
 * A body nested far deeper than any real request (40,000 levels in 80 KB, under every size
 * limit) parses, but Bun's `JSON.stringify` overflows the stack re-serialising it to rewrite
 * `model` (here Ollama's implicit `:latest`) — after some 3 s of a core. It used to answer 500
 * "Internal server error" (in OpenAI's envelope even on `/api/chat`) and log an ERROR; two such
 * requests kept both cores busy. Past Go's limit (Ollama's own, 10,000 levels) it is a 400 at
 * once, in the route's dialect; a body just within the limit is served.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { MAX_JSON_DEPTH } from "../../src/lib/json-depth.ts";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";

let mock: MockBackend;
let gateway: RunningGateway;

beforeAll(async () => {
  mock = await startMockBackend({ flavor: "ollama", models: [{ id: "llama3.2:latest" }] });
  gateway = await startGateway([
    { name: "ollie", url: mock.url, type: "ollama", models: ["llama3.2:latest"] },
  ]);
});

afterAll(async () => {
  await gateway?.close();
  await mock?.close();
});

/** A body whose field `x` holds `levels` nested arrays: `levels + 1` deep with the body. */
const nested = (fields: string, levels: number) =>
  `{${fields},"x":${"[".repeat(levels)}${"]".repeat(levels)}}`;
const CHAT = '"model":"llama3.2","stream":false,"messages":[{"role":"user","content":"hi"}]';

async function post(path: string, body: string) {
  const response = await fetch(`${gateway.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  return { status: response.status, body: await response.json() };
}

describe("a body nested deeper than 10,000 levels", () => {
  test("OpenAI chat: 400 in the OpenAI envelope, naming the limit", async () => {
    const { status, body } = await post("/v1/chat/completions", nested(CHAT, 40_000));
    expect(status).toBe(400);
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message).toBe(
      "Request body nests arrays or objects more than 10000 levels deep",
    );
  });

  test("Ollama chat: 400 in Ollama's envelope", async () => {
    const { status, body } = await post("/api/chat", nested(CHAT, 40_000));
    expect(status).toBe(400);
    expect(body.error).toBe("Request body nests arrays or objects more than 10000 levels deep");
  });

  test("Anthropic messages: 400 in Anthropic's envelope", async () => {
    const { status, body } = await post("/v1/messages", nested(`${CHAT},"max_tokens":5`, 40_000));
    expect(status).toBe(400);
    expect(body.error.type).toBe("invalid_request_error");
  });

  test("one level past the limit is refused; at the limit it is served", async () => {
    expect((await post("/api/chat", nested(CHAT, MAX_JSON_DEPTH))).status).toBe(400);
    expect((await post("/api/chat", nested(CHAT, MAX_JSON_DEPTH - 1))).status).toBe(200);
    expect((await post("/v1/chat/completions", nested(CHAT, MAX_JSON_DEPTH - 1))).status)
      .toBe(200);
  });

  test("is the client's doing: nothing logged as an unhandled error", () => {
    expect(gateway.logs.filter((line) => line.includes("unhandled error"))).toEqual([]);
  });
});
