/**
 * The Ollama dialect's edges: errors in `{"error":"…"}` with the table's statuses, a backend that
 * breaks a stream mid-way (passthrough and translated) ending with one `{"error"}` line the
 * `ollama` client raises, a slow first token held with empty chunks the client reads past, and
 * the liveness answer at `/`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { Ollama } from "ollama";
import { DEFAULT_REPLY } from "../mock/mod.ts";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { headerIn, rawExchange } from "../helpers/raw-http.ts";

let ollama: MockBackend;
let vllm: MockBackend;
let gateway: RunningGateway;
let client: Ollama;

beforeAll(async () => {
  ollama = await startMockBackend({ flavor: "ollama", models: [{ id: "llama3.1:8b" }] });
  vllm = await startMockBackend({ flavor: "vllm", models: [{ id: "qwen" }] });
  gateway = await startGateway([
    { name: "gpu", url: ollama.url, type: "ollama", models: ["llama3.1:8b"] },
    { name: "vllm", url: vllm.url, type: "vllm", models: ["qwen"] },
  ], { server: { sse_keepalive_seconds: 0.05 }, routing: { max_retries: 0 } });
  client = new Ollama({ host: gateway.url });
});

afterEach(() => {
  ollama.mock.setFault({ kind: "none" });
  vllm.mock.setFault({ kind: "none" });
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all([ollama?.close(), vllm?.close()]);
});

async function lines(response: Response): Promise<Record<string, unknown>[]> {
  const text = await response.text();
  expect(text.endsWith("\n")).toBe(true);
  return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
}

function chat(model: string, extra: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${gateway.url}/api/chat`, {
    method: "POST",
    body: JSON.stringify({ model, messages: [{ role: "user", content: "Hi" }], ...extra }),
  });
}

describe("errors", () => {
  test("unknown model: 404 {error} naming what exists", async () => {
    const response = await chat("nope");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toContain("application/json");
    const body = await response.json();
    expect(Object.keys(body)).toEqual(["error"]);
    expect(body.error).toContain("llama3.1:8b");
  });

  test("a body that is not JSON, a wrong field: 400 {error}", async () => {
    const bad = await fetch(`${gateway.url}/api/chat`, { method: "POST", body: "{" });
    expect(bad.status).toBe(400);
    expect(typeof (await bad.json()).error).toBe("string");
    const wrong = await chat("qwen", { messages: "hi" });
    expect(wrong.status).toBe(400);
    expect((await wrong.json()).error).toContain("messages");
  });

  test("wrong method and unknown path under /api: 405 and 404 in Ollama's form", async () => {
    const get = await fetch(`${gateway.url}/api/chat`);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    expect(typeof (await get.json()).error).toBe("string");
    const unknown = await fetch(`${gateway.url}/api/nothing`);
    expect(unknown.status).toBe(404);
    expect(typeof (await unknown.json()).error).toBe("string");
  });

  test("a backend's refusal on a translated path keeps its status and message", async () => {
    vllm.mock.setFault({
      kind: "status",
      status: 400,
      body: '{"error":{"message":"bad temperature","type":"invalid_request_error"}}',
      paths: ["/v1/chat/completions"],
    });
    const response = await chat("qwen", { stream: false });
    expect(response.status).toBe(400);
    expect((await response.json()).error).toContain("bad temperature");
  });
});

describe("streams that break", () => {
  for (
    const [model, path, backend] of [
      ["llama3.1:8b", "/api/chat", () => ollama],
      ["qwen", "/v1/chat/completions", () => vllm],
    ] as const
  ) {
    test(`${model}: a cut mid-stream ends with one error line, which the client raises`, async () => {
      backend().mock.setFault({ kind: "close-mid-stream", afterChunks: 2, paths: [path] });
      const received = await lines(await chat(model));
      expect(received.at(-1)!.error).toEqual(expect.any(String));
      expect(received.filter((l) => "error" in l)).toHaveLength(1);
      expect(received.filter((l) => l.done === true)).toHaveLength(0);
      backend().mock.setFault({ kind: "close-mid-stream", afterChunks: 2, paths: [path] });
      const stream = await client.chat({
        model,
        messages: [{ role: "user", content: "Hi" }],
        stream: true,
      });
      const error = await (async () => {
        for await (const _ of stream) { /* reading on */ }
      })().catch((e) => e);
      expect(error).toBeInstanceOf(Error);
    });
  }
});

describe("a slow first token", () => {
  test("empty keep-alive chunks first, which the client reads past", async () => {
    ollama.mock.setFault({ kind: "slow-first-byte", ms: 300, paths: ["/api/chat"] });
    const received = await lines(await chat("llama3.1:8b"));
    expect(received[0]).toEqual({
      model: "llama3.1:8b",
      message: { role: "assistant", content: "" },
      response: "",
      done: false,
    });
    ollama.mock.setFault({ kind: "slow-first-byte", ms: 300, paths: ["/api/chat"] });
    const stream = await client.chat({
      model: "llama3.1:8b",
      messages: [{ role: "user", content: "Hi" }],
      stream: true,
    });
    let text = "";
    for await (const part of stream) text += part.message.content;
    expect(text).toBe(DEFAULT_REPLY);
  });
});

describe("liveness", () => {
  test("GET and HEAD / answer as Ollama does; /health stays Nexus's", async () => {
    const get = await fetch(`${gateway.url}/`);
    expect(get.status).toBe(200);
    expect(await get.text()).toBe("Ollama is running");
    const head = await fetch(`${gateway.url}/`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect((await (await fetch(`${gateway.url}/health`)).json()).status).toBeDefined();
  });

  test("HEAD / carries GET /'s Content-Length (17, as Ollama's) and type, and no body", async () => {
    // On the wire: fetch hides a HEAD answer's Content-Length behind its empty body.
    const port = Number(new URL(gateway.url).port);
    const ask = (method: string, until: (text: string) => boolean) =>
      rawExchange(port, `${method} / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`, {
        until,
        closeWaitMs: 1000,
      });
    const get = await ask("GET", (text) => text.endsWith("Ollama is running"));
    const head = await ask("HEAD", (text) => text.includes("\r\n\r\n"));
    expect(head.statuses).toEqual([200]);
    expect(headerIn(get.text, "content-length")).toBe("17");
    expect(headerIn(head.text, "content-length")).toBe("17");
    expect(headerIn(head.text, "content-type")).toBe(headerIn(get.text, "content-type"));
    expect(head.text.endsWith("\r\n\r\n")).toBe(true);
  });

  test("HEAD of every GET route says the GET body's length; an event stream's HEAD ends at once", async () => {
    const port = Number(new URL(gateway.url).port);
    const head = (path: string) =>
      rawExchange(port, `HEAD ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`, {
        until: (text) => text.includes("\r\n\r\n"),
        closeWaitMs: 1000,
      });
    for (const path of ["/api/version", "/api/tags", "/v1/models", "/api/ps"]) {
      const body = await (await fetch(`${gateway.url}${path}`)).arrayBuffer();
      const answer = await head(path);
      expect([path, answer.statuses]).toEqual([path, [200]]);
      expect([path, headerIn(answer.text, "content-length")]).toEqual([
        path,
        String(body.byteLength),
      ]);
      expect(answer.text.endsWith("\r\n\r\n")).toBe(true);
    }
    // The dashboard's live feed never ends: its HEAD has the stream's type and no length.
    const events = await head("/ui/events");
    expect(events.statuses).toEqual([200]);
    expect(headerIn(events.text, "content-type")?.startsWith("text/event-stream")).toBe(true);
    expect(events.text.endsWith("\r\n\r\n")).toBe(true);
  });
});
