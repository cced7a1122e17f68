/**
 * Request sequences of two Ollama clients, replayed against Nexus with an Ollama backend
 * (passthrough) and a vLLM backend (translation); each answer is checked for what that client
 * parses from it.
 *
 * Where the sequences come from (read from the clients' sources, late 2026):
 * - Open WebUI's Ollama connection, `backend/open_webui/routers/ollama.py` (open-webui/open-webui):
 *   `verify_connection` GETs `/api/version` and `get_ollama_versions` parses it with
 *   `tuple(map(int, re.sub(r"^v|-.*", "", version).split(".")))`; `get_all_models` GETs
 *   `/api/tags` and merges on `models[].model`; `get_ollama_loaded_models` GETs `/api/ps` and
 *   reads `name` and `expires_at` through `datetime.fromisoformat`; `/api/show` is relayed for the
 *   model editor; a chat POSTs `/api/chat` with `stream: true` and `options`, the browser reading
 *   `message.content` and `done`; `unload_model` POSTs `/api/generate`
 *   `{"model","keep_alive":0,"prompt":""}` without streaming.
 * - Home Assistant's Ollama integration, `homeassistant/components/ollama/` (home-assistant/core):
 *   `config_flow.py` calls `client.list()` (`GET /api/tags`, reading `models[]["model"]`) and
 *   `client.pull(model)` (`POST /api/pull`, not streamed); `coordinator.py` polls `list()` and
 *   `ps()` every 30 s (`ProcessResponse`: `expires_at` a datetime, `size_vram`); `entity.py`
 *   calls `client.chat(model, messages, tools, stream=True, keep_alive="300s" or -1,
 *   options={"num_ctx": …}, think, format)` and reads each chunk's `message` (`content`,
 *   `tool_calls[].function.name` and `.arguments` as a dict, `thinking`), then sends the tool
 *   result back as `{"role":"tool","content":…}` (no tool name) and reads the final text.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DEFAULT_REPLY } from "../mock/mod.ts";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";

let ollama: MockBackend;
let vllm: MockBackend;
let gateway: RunningGateway;

/** Python's `datetime.fromisoformat` (3.11+) takes this shape; so does pydantic. */
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const HA_TOOLS = [{
  type: "function",
  function: {
    name: "HassTurnOn",
    description: "Turns on/opens a device or entity",
    parameters: { type: "object", properties: { name: { type: "string" } } },
  },
}];

beforeAll(async () => {
  ollama = await startMockBackend({
    flavor: "ollama",
    models: [{ id: "llama3.1:8b", capabilities: ["completion", "tools"] }],
  });
  vllm = await startMockBackend({ flavor: "vllm", models: [{ id: "qwen2.5:7b" }] });
  gateway = await startGateway([
    { name: "gpu", url: ollama.url, type: "ollama" },
    { name: "vllm", url: vllm.url, type: "vllm" },
  ]);
  await gateway.gateway.health.runRound();
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all([ollama?.close(), vllm?.close()]);
});

async function get(path: string): Promise<Record<string, unknown>> {
  const response = await fetch(gateway.url + path);
  expect(response.status).toBe(200);
  return await response.json();
}

async function post(path: string, body: unknown): Promise<Response> {
  return await fetch(gateway.url + path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function ndjson(response: Response): Promise<Record<string, unknown>[]> {
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("application/x-ndjson");
  const text = await response.text();
  return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
}

describe("Open WebUI's Ollama connection", () => {
  test("verify: /api/version parses as dotted integers", async () => {
    const { version } = await get("/api/version") as { version: string };
    const parts = version.replace(/^v|-.*/g, "").split(".").map(Number);
    expect(parts.every(Number.isInteger)).toBe(true);
  });

  test("models: /api/tags merged on `model`, /api/ps expiry parsed as ISO 8601", async () => {
    const tags = await get("/api/tags") as { models: { model: string; name: string }[] };
    expect(tags.models.map((m) => m.model)).toEqual(["llama3.1:8b", "qwen2.5:7b"]);
    const ps = await get("/api/ps") as { models: { name: string; expires_at: string }[] };
    for (const model of ps.models) {
      expect(model.expires_at).toMatch(ISO_DATETIME);
      expect(Number.isNaN(Date.parse(model.expires_at))).toBe(false);
    }
  });

  for (const model of ["llama3.1:8b", "qwen2.5:7b"]) {
    test(`${model}: show, a streamed chat, an unload`, async () => {
      const show = await post("/api/show", { model });
      expect(show.status).toBe(200);
      expect((await show.json()).capabilities).toContain("completion");
      const lines = await ndjson(
        await post("/api/chat", {
          model,
          messages: [{ role: "user", content: "Hello!" }],
          stream: true,
          options: { temperature: 0.8 },
        }),
      );
      const text = lines.map((l) => (l.message as { content: string }).content).join("");
      expect(text).toBe(DEFAULT_REPLY);
      expect(lines.filter((l) => l.done === true)).toHaveLength(1);
      expect(lines.at(-1)!.done).toBe(true);
      const unload = await post("/api/generate", { model, keep_alive: 0, prompt: "" });
      expect(unload.status).toBe(200);
      const answer = await unload.json();
      expect(answer.done).toBe(true);
      expect(answer.done_reason).toBe("unload");
    });
  }
});

describe("Home Assistant's Ollama integration", () => {
  test("setup and polling: list() reads models[].model, ps() parses as ProcessResponse", async () => {
    const tags = await get("/api/tags") as { models: Record<string, unknown>[] };
    expect(tags.models.every((m) => typeof m.model === "string")).toBe(true);
    const ps = await get("/api/ps") as { models: Record<string, unknown>[] };
    for (const model of ps.models) {
      expect(typeof model.model).toBe("string");
      expect(typeof model.size_vram).toBe("number");
      expect(model.expires_at).toMatch(ISO_DATETIME);
    }
  });

  test("download: pull(model) not streamed, to the only Ollama backend", async () => {
    const response = await post("/api/pull", {
      model: "llama3.2:3b",
      insecure: false,
      stream: false,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "success" });
    expect(response.headers.get("x-nexus-backend")).toBe("gpu");
  });

  for (const model of ["llama3.1:8b", "qwen2.5:7b"]) {
    test(`${model}: a chat with tools, the tool result, the final answer`, async () => {
      const messages: Record<string, unknown>[] = [
        { role: "system", content: "You are a voice assistant for Home Assistant." },
        { role: "user", content: "Turn on the kitchen light" },
      ];
      const request = {
        model,
        messages,
        tools: HA_TOOLS,
        stream: true,
        keep_alive: "300s",
        options: { num_ctx: 8192 },
      };
      const first = await ndjson(await post("/api/chat", request));
      for (const line of first) expect(typeof line.message).toBe("object");
      const calls = first.flatMap((l) =>
        (l.message as { tool_calls?: { function: { name: string; arguments: unknown } }[] })
          .tool_calls ?? []
      );
      expect(calls).toHaveLength(1);
      expect(calls[0]!.function.name).toBe("HassTurnOn");
      expect(typeof calls[0]!.function.arguments).toBe("object");
      messages.push({ role: "assistant", content: "", tool_calls: calls });
      messages.push({ role: "tool", content: '{"data":{"success":[]},"error":null}' });
      const second = await ndjson(await post("/api/chat", { ...request, keep_alive: -1 }));
      const text = second.map((l) => (l.message as { content: string }).content).join("");
      expect(text).toBe(DEFAULT_REPLY);
      expect(second.at(-1)!.done).toBe(true);
    });
  }

  test("passthrough keeps num_ctx and keep_alive for Ollama", () => {
    const sent = ollama.mock.requests.filter((r) => r.path === "/api/chat").at(-1)!;
    const body = sent.body as { options: { num_ctx: number }; keep_alive: unknown };
    expect(body.options.num_ctx).toBe(8192);
    expect(body.keep_alive).toBe(-1);
  });
});
