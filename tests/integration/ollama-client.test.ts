/**
 * The official `ollama` npm client against Nexus: `list`, `ps`, `show`, `chat` (stream and not,
 * a tool call round trip, an image), `generate` (with `suffix`), `embed` and `pull` to a named
 * backend with progress — each against an Ollama-shaped mock (passthrough) and a vLLM-shaped
 * one (translation).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Message, Ollama } from "ollama";
import { DEFAULT_REPLY } from "../mock/mod.ts";
import { fimReply } from "../mock/completions.ts";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";

let gpu: MockBackend;
let cpu: MockBackend;
let vllm: MockBackend;
let gateway: RunningGateway;
let client: Ollama;

/** A 1×1 PNG. */
const PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
const WEATHER_TOOL = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather",
    parameters: { type: "object", properties: { location: { type: "string" } } },
  },
};

/** The client types `model_info` as a Map; on the wire it is an object. */
function info(show: { model_info: unknown }): Record<string, unknown> {
  return show.model_info as Record<string, unknown>;
}

beforeAll(async () => {
  gpu = await startMockBackend({
    flavor: "ollama",
    models: [
      { id: "llama3.1:8b", capabilities: ["completion", "tools"], context_length: 131072 },
      { id: "llava:7b", capabilities: ["completion", "vision"], loaded: false },
      { id: "qwen2.5-coder:1.5b", capabilities: ["completion", "insert"], loaded: false },
      { id: "nomic-embed-text:latest", capabilities: ["embedding"], loaded: false },
    ],
  });
  cpu = await startMockBackend({ flavor: "ollama", models: [{ id: "tinyllama:1b" }] });
  vllm = await startMockBackend({
    flavor: "vllm",
    models: [{ id: "Qwen/Qwen2.5-7B-Instruct", context_length: 32768 }, { id: "bge-m3" }],
  });
  gateway = await startGateway([
    { name: "gpu", url: gpu.url, type: "ollama" },
    { name: "cpu", url: cpu.url, type: "ollama", priority: 90 },
    { name: "vllm", url: vllm.url, type: "vllm" },
  ], {
    routing: {
      aliases: { qwen: "Qwen/Qwen2.5-7B-Instruct", "claude-*": "Qwen/Qwen2.5-7B-Instruct" },
    },
  });
  // One probe round fills the registry as a running Nexus would: models, details, loaded state.
  await gateway.gateway.health.runRound();
  client = new Ollama({ host: gateway.url });
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all([gpu?.close(), cpu?.close(), vllm?.close()]);
});

describe("list, ps, show, version", () => {
  test("list: every model of every healthy backend, Ollama's details where known, aliases too", async () => {
    const { models } = await client.list();
    const byName = new Map(models.map((m) => [m.name, m]));
    expect([...byName.keys()]).toEqual([
      "Qwen/Qwen2.5-7B-Instruct",
      "bge-m3",
      "llama3.1:8b",
      "llava:7b",
      "nomic-embed-text:latest",
      "qwen",
      "qwen2.5-coder:1.5b",
      "tinyllama:1b",
    ]);
    const llama = byName.get("llama3.1:8b")!;
    expect(llama.model).toBe("llama3.1:8b");
    expect(llama.details.family).toBe("llama");
    expect(llama.details.quantization_level).toBe("Q4_K_M");
    expect(llama.size).toBeGreaterThan(0);
    expect(llama.digest).toMatch(/^[0-9a-f]{64}$/);
    const qwen = byName.get("Qwen/Qwen2.5-7B-Instruct")!;
    expect(qwen.details).toEqual({
      parent_model: "",
      format: "",
      family: "",
      families: [],
      parameter_size: "",
      quantization_level: "",
    });
    expect(qwen.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(Number.isNaN(Date.parse(String(qwen.modified_at)))).toBe(false);
    expect((byName.get("qwen") as unknown as { alias_of: string }).alias_of)
      .toBe("Qwen/Qwen2.5-7B-Instruct");
  });

  test("ps: loaded models across the fleet with the backend holding each", async () => {
    const { models } = await client.ps();
    const rows = models.map((m) => [m.name, (m as unknown as { backend: string }).backend]);
    expect(rows).toContainEqual(["llama3.1:8b", "gpu"]);
    expect(rows).toContainEqual(["tinyllama:1b", "cpu"]);
    expect(rows).toContainEqual(["Qwen/Qwen2.5-7B-Instruct", "vllm"]);
    expect(rows.map(([name]) => name)).not.toContain("llava:7b");
    const llama = models.find((m) => m.name === "llama3.1:8b")!;
    expect(llama.size_vram).toBeGreaterThan(0);
    expect(Date.parse(String(llama.expires_at))).toBeGreaterThan(Date.now());
    const qwen = models.find((m) => m.name === "Qwen/Qwen2.5-7B-Instruct")!;
    expect(qwen.size_vram).toBe(0);
    expect(String(qwen.expires_at)).toBe("9999-12-31T23:59:59Z");
  });

  test("show: an Ollama backend's own answer; synthesized for the others", async () => {
    const own = await client.show({ model: "llama3.1:8b" });
    expect(own.capabilities).toEqual(["completion", "tools"]);
    expect(info(own)["llama.context_length"]).toBe(131072);
    expect(own.template).toBe("{{ .Prompt }}");
    const made = await client.show({ model: "qwen" });
    expect(made.capabilities).toEqual(["completion", "tools"]);
    expect(info(made)["general.architecture"]).toBe("unknown");
    expect(info(made)["unknown.context_length"]).toBe(32768);
    // The implicit :latest tag resolves as in Ollama.
    const embed = await client.show({ model: "nomic-embed-text" });
    expect(embed.capabilities).toEqual(["embedding"]);
    // A name a wildcard alias covers resolves as chat resolves it.
    const covered = await client.show({ model: "claude-sonnet-4-5" });
    expect(info(covered)["unknown.context_length"]).toBe(32768);
  });

  test("show of an unknown model: 404 in Ollama's form", async () => {
    const error = await client.show({ model: "nope" }).catch((e) => e);
    expect(error.status_code).toBe(404);
    expect(error.error).toBe("model 'nope' not found");
    // A name of 50,000 characters is not echoed whole, as no other error does.
    const long = await client.show({ model: "m".repeat(50_000) }).catch((e) => e);
    expect(long.error.length).toBeLessThan(400);
    expect(long.error).toContain("(49744 more characters)");
  });

  test("version: a dotted numeric version VS Code accepts (>= 0.6.4)", async () => {
    const { version } = await client.version();
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    const [major, minor, patch] = version.split(".").map(Number);
    expect(major! * 1e6 + minor! * 1e3 + patch!).toBeGreaterThanOrEqual(6004);
  });
});

for (
  const [label, model, backend] of [
    ["Ollama (passthrough)", "llama3.1:8b", () => gpu],
    ["vLLM (translation)", "qwen", () => vllm],
  ] as const
) {
  describe(`chat and generate through ${label}`, () => {
    test("chat, not streamed", async () => {
      const answer = await client.chat({
        model,
        messages: [{ role: "user", content: "Hello" }],
        stream: false,
      });
      expect(answer.message.role).toBe("assistant");
      expect(answer.message.content).toBe(DEFAULT_REPLY);
      expect(answer.done).toBe(true);
      expect(answer.done_reason).toBe("stop");
      expect(answer.eval_count).toBeGreaterThan(0);
      expect(answer.total_duration).toBeGreaterThanOrEqual(0);
    });

    test("chat, streamed: the text in pieces and exactly one done line", async () => {
      const stream = await client.chat({
        model,
        messages: [{ role: "user", content: "Hi" }],
        stream: true,
      });
      let text = "";
      let dones = 0;
      for await (const part of stream) {
        text += part.message.content;
        if (part.done) dones++;
      }
      expect(text).toBe(DEFAULT_REPLY);
      expect(dones).toBe(1);
    });

    test("a tool call round trip", async () => {
      const messages: Message[] = [{ role: "user", content: "Weather in Paris?" }];
      const first = await client.chat({ model, messages, tools: [WEATHER_TOOL], stream: false });
      const calls = first.message.tool_calls!;
      expect(calls).toHaveLength(1);
      expect(calls[0]!.function.name).toBe("get_weather");
      expect(calls[0]!.function.arguments).toEqual({ location: "Paris" });
      messages.push(first.message);
      messages.push({ role: "tool", content: '{"temperature":21}', tool_name: "get_weather" });
      const seen = backend().mock.requests.length;
      const second = await client.chat({ model, messages, stream: false });
      expect(second.message.content).toBe(DEFAULT_REPLY);
      const sent = backend().mock.requests.slice(seen).find((r) => r.method === "POST")!;
      if (backend() === vllm) {
        // OpenAI needs ids Ollama does not have: the result points at its call.
        const body = sent.body as {
          messages: { tool_calls?: { id: string }[]; tool_call_id?: string }[];
        };
        const id = body.messages[1]!.tool_calls![0]!.id;
        expect(id).toMatch(/^[A-Za-z0-9]{9}$/);
        expect(body.messages[2]!.tool_call_id).toBe(id);
      } else {
        expect(sent.path).toBe("/api/chat");
      }
    });

    test("a tool call streamed arrives whole, before the done line", async () => {
      const stream = await client.chat({
        model,
        messages: [{ role: "user", content: "Weather?" }],
        tools: [WEATHER_TOOL],
        stream: true,
      });
      const parts = [];
      for await (const part of stream) parts.push(part);
      const withCalls = parts.filter((p) => p.message.tool_calls?.length);
      expect(withCalls).toHaveLength(1);
      expect(withCalls[0]!.message.tool_calls![0]!.function.arguments).toEqual({
        location: "Paris",
      });
      expect(parts.at(-1)!.done).toBe(true);
    });

    test("generate, streamed", async () => {
      const stream = await client.generate({ model, prompt: "Why is the sky blue?", stream: true });
      let text = "";
      for await (const part of stream) text += part.response;
      expect(text).toBe(DEFAULT_REPLY);
    });
  });
}

describe("requests that differ per backend", () => {
  test("an image reaches Ollama as base64 and vLLM as a data URL", async () => {
    const image = Uint8Array.from(atob(PNG), (c) => c.charCodeAt(0));
    const seenGpu = gpu.mock.requests.length;
    await client.chat({
      model: "llava:7b",
      messages: [{ role: "user", content: "What is this?", images: [image] }],
      stream: false,
    });
    const native = gpu.mock.requests.slice(seenGpu).find((r) => r.path === "/api/chat")!;
    expect((native.body as { messages: { images: string[] }[] }).messages[0]!.images).toEqual([
      PNG,
    ]);
    const seen = vllm.mock.requests.length;
    await client.chat({
      model: "qwen",
      messages: [{ role: "user", content: "What is this?", images: [PNG] }],
      stream: false,
    });
    const sent = vllm.mock.requests.slice(seen).find((r) => r.path === "/v1/chat/completions")!;
    expect((sent.body as { messages: unknown[] }).messages[0]).toEqual({
      role: "user",
      content: [
        { type: "text", text: "What is this?" },
        { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } },
      ],
    });
  });

  test("generate with a suffix: fill-in-the-middle on Ollama, a completion with suffix on vLLM", async () => {
    const native = await client.generate({
      model: "qwen2.5-coder:1.5b",
      prompt: "def add(a, b):\n",
      suffix: "\n\nprint(add(1, 2))",
      stream: false,
    });
    expect(native.response).toBe(fimReply("\n\nprint(add(1, 2))"));
    const seen = vllm.mock.requests.length;
    const translated = await client.generate({
      model: "qwen",
      prompt: "def add(a, b):\n",
      suffix: "\nend",
      stream: false,
    });
    expect(translated.response).toBe(fimReply("\nend"));
    expect(vllm.mock.requests.slice(seen).map((r) => r.path)).toContain("/v1/completions");
  });

  test("generate with a suffix for a model without insert: 400, as Ollama answers, sent nowhere", async () => {
    // Ollama itself refuses it with a 400 (`does not support insert`); retrying cannot help.
    const seen = gpu.mock.requests.length;
    const error = await client.generate({
      model: "llama3.1:8b",
      prompt: "def add(a, b):\n",
      suffix: "\nend",
      stream: false,
    }).catch((e: unknown) => e) as { status_code?: number; error?: string };
    expect(error.status_code).toBe(400);
    expect(error.error).toContain('Model "llama3.1:8b" does not support fill-in-the-middle');
    expect(gpu.mock.requests.length).toBe(seen);
  });

  test("embed: Ollama's own, and vLLM's translated", async () => {
    const native = await client.embed({ model: "nomic-embed-text", input: ["a", "b"] });
    expect(native.embeddings).toHaveLength(2);
    const translated = await client.embed({ model: "bge-m3", input: ["a", "b", "c"] });
    expect(translated.embeddings).toHaveLength(3);
    expect(translated.embeddings[0]!.length).toBe(8);
    const legacy = await client.embeddings({ model: "bge-m3", prompt: "a" });
    expect(legacy.embedding.length).toBe(8);
  });

  test("pull to a named backend streams its progress unchanged", async () => {
    const named = new Ollama({ host: gateway.url, headers: { "X-Nexus-Backend": "cpu" } });
    const stream = await named.pull({ model: "phi3:mini", stream: true });
    const statuses: string[] = [];
    for await (const part of stream) statuses.push(part.status);
    expect(statuses[0]).toBe("pulling manifest");
    expect(statuses.at(-1)).toBe("success");
    expect(cpu.mock.requests.some((r) => r.path === "/api/pull")).toBe(true);
    expect(gpu.mock.requests.some((r) => r.path === "/api/pull")).toBe(false);
  });

  test("pull by ?backend= as well; without a target and two Ollama backends, 400 naming them", async () => {
    const response = await fetch(`${gateway.url}/api/pull?backend=gpu`, {
      method: "POST",
      body: JSON.stringify({ model: "phi3:mini", stream: false }),
    });
    expect(await response.json()).toEqual({ status: "success" });
    expect(response.headers.get("x-nexus-backend")).toBe("gpu");
    const error = await client.pull({ model: "phi3:mini" }).catch((e) => e);
    expect(error.status_code).toBe(400);
    expect(error.error).toContain("gpu, cpu");
  });

  test("pull naming two different backends (query and header): 400, nothing pulled", async () => {
    const before = gpu.mock.requests.length + cpu.mock.requests.length;
    const response = await fetch(`${gateway.url}/api/pull?backend=gpu`, {
      method: "POST",
      headers: { "x-nexus-backend": "cpu" },
      body: JSON.stringify({ model: "phi3:mini", stream: false }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: "?backend=gpu and X-Nexus-Backend: cpu name different backends; name one",
    });
    expect(gpu.mock.requests.length + cpu.mock.requests.length).toBe(before);
    const same = await fetch(`${gateway.url}/api/pull?backend=gpu`, {
      method: "POST",
      headers: { "x-nexus-backend": "gpu" },
      body: JSON.stringify({ model: "phi3:mini", stream: false }),
    });
    expect(same.headers.get("x-nexus-backend")).toBe("gpu");
  });

  test("pull to a backend that is not Ollama: 400 naming its type and the Ollama backends", async () => {
    const named = new Ollama({ host: gateway.url, headers: { "X-Nexus-Backend": "vllm" } });
    const error = await named.pull({ model: "phi3:mini" }).catch((e) => e);
    expect(error.status_code).toBe(400);
    expect(error.error).toBe(
      'Backend "vllm" is of type vllm; model management needs an Ollama backend (gpu, cpu)',
    );
    expect(vllm.mock.requests.some((r) => r.path === "/api/pull")).toBe(false);
  });

  test("chat with an empty messages list loads the model, as Ollama documents: not refused", async () => {
    for (const model of ["llama3.1:8b", "qwen"]) {
      const answer = await client.chat({ model, messages: [], stream: false });
      expect(answer.done).toBe(true);
      expect(answer.done_reason).toBe("load");
    }
    const sent = gpu.mock.requests.filter((r) => r.path === "/api/chat").pop();
    expect((sent!.body as { messages: unknown }).messages).toEqual([]);
  });

  test("an unload on a server that manages its own models answers as Ollama does", async () => {
    const answer = await client.generate({
      model: "qwen",
      prompt: "",
      keep_alive: 0,
      stream: false,
    });
    expect(answer.done).toBe(true);
    expect(answer.done_reason).toBe("unload");
  });
});

describe("observability", () => {
  test("metrics count the Ollama routes under their own endpoint names, tokens included", async () => {
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    const endpoints = new Set(
      [...text.matchAll(/^nexus_requests_total\{[^}]*endpoint="([a-z_]+)"/gm)].map((m) => m[1]),
    );
    for (const name of ["ollama_chat", "ollama_generate", "ollama_embed"]) {
      expect(endpoints.has(name)).toBe(true);
    }
    expect(text).toMatch(/^nexus_tokens_total\{[^}]*backend="gpu"[^}]*type="completion"\} [1-9]/m);
    expect(text).toMatch(/^nexus_stream_chunks_total\{[^}]*backend="gpu"[^}]*\} [1-9]/m);
  });
});
