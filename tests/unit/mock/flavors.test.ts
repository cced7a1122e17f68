import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import type { MockOptions } from "../../mock/mod.ts";
import { type MockBackend, startMockBackend } from "../../helpers/mock-backend.ts";

const messages = [{ role: "user" as const, content: "hi" }];

/** One backend per describe block, closed after it. */
function useBackend(options: MockOptions): () => MockBackend {
  let backend: MockBackend | undefined;
  beforeAll(async () => {
    backend = await startMockBackend(options);
  });
  afterAll(() => backend?.close());
  return () => backend!;
}

async function get(backend: MockBackend, path: string, init?: RequestInit) {
  const response = await fetch(`${backend.url}${path}`, init);
  const text = await response.text();
  return { status: response.status, type: response.headers.get("content-type"), text };
}

const postJson = (body: unknown): RequestInit => ({ method: "POST", body: JSON.stringify(body) });

describe("mock upstream, ollama flavor", () => {
  const backend = useBackend({
    flavor: "ollama",
    models: [
      { id: "llama3.1:8b", capabilities: ["completion", "tools"], context_length: 131072 },
      { id: "qwen2.5vl:7b", capabilities: ["completion", "vision"], loaded: false },
    ],
  });

  test("GET / says Ollama is running, /api/version its version", async () => {
    expect(await get(backend(), "/")).toMatchObject({ status: 200, text: "Ollama is running" });
    expect((await fetch(backend().url, { method: "HEAD" })).status).toBe(200);
    expect(JSON.parse((await get(backend(), "/api/version")).text)).toEqual({ version: "0.5.7" });
  });

  test("GET /api/tags lists every model with its details", async () => {
    const { models } = JSON.parse((await get(backend(), "/api/tags")).text);
    expect(models.map((m: { name: string }) => m.name)).toEqual(["llama3.1:8b", "qwen2.5vl:7b"]);
    expect(models[0]).toEqual({
      name: "llama3.1:8b",
      model: "llama3.1:8b",
      modified_at: expect.any(String),
      size: expect.any(Number),
      digest: expect.stringMatching(/^[0-9a-f]{64}$/),
      details: {
        parent_model: "",
        format: "gguf",
        family: "llama",
        families: ["llama"],
        parameter_size: "8.0B",
        quantization_level: "Q4_K_M",
      },
    });
  });

  test("POST /api/show reads model or name and reports context and capabilities", async () => {
    for (const key of ["model", "name"]) {
      const show = await get(backend(), "/api/show", postJson({ [key]: "llama3.1:8b" }));
      const body = JSON.parse(show.text);
      expect(body.model_info["general.architecture"]).toBe("llama");
      expect(body.model_info["llama.context_length"]).toBe(131072);
      expect(body.capabilities).toEqual(["completion", "tools"]);
      expect(body.details.family).toBe("llama");
    }
    const qwen = JSON.parse(
      (await get(backend(), "/api/show", postJson({ model: "qwen2.5vl:7b" }))).text,
    );
    expect(qwen.model_info["qwen2.context_length"]).toBe(8192);
  });

  test("POST /api/show of an unknown model is a 404 with Ollama's error", async () => {
    const show = await get(backend(), "/api/show", postJson({ model: "nope" }));
    expect(show.status).toBe(404);
    expect(JSON.parse(show.text)).toEqual({ error: "model 'nope' not found" });
  });

  test("POST /api/show has no capabilities key for an older server", async () => {
    backend().mock.setOptions({ ollamaNoCapabilities: true });
    try {
      const show = await get(backend(), "/api/show", postJson({ model: "llama3.1:8b" }));
      expect(JSON.parse(show.text)).not.toHaveProperty("capabilities");
    } finally {
      backend().mock.setOptions({ ollamaNoCapabilities: false });
    }
  });

  test("GET /api/ps lists loaded models only, with VRAM and expiry", async () => {
    const { models } = JSON.parse((await get(backend(), "/api/ps")).text);
    expect(models).toHaveLength(1);
    expect(models[0]).toMatchObject({ name: "llama3.1:8b", model: "llama3.1:8b" });
    expect(models[0].size_vram).toBeGreaterThan(0);
    expect(Date.parse(models[0].expires_at)).toBeGreaterThan(Date.now());
  });

  test("/v1 answers in Ollama's shape, including its unknown-model error", async () => {
    const client = new OpenAI({ baseURL: `${backend().url}/v1`, apiKey: "ollama", maxRetries: 0 });
    const page = await client.models.list();
    expect(page.data[0]).toMatchObject({ id: "llama3.1:8b", object: "model", owned_by: "library" });
    const completion = await client.chat.completions.create({ model: "llama3.1:8b", messages });
    expect(completion.system_fingerprint).toBe("fp_ollama");
    const missing = await get(
      backend(),
      "/v1/chat/completions",
      postJson({ model: "x", messages }),
    );
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text)).toEqual({
      error: {
        message: 'model "x" not found, try pulling it first',
        type: "api_error",
        param: null,
        code: null,
      },
    });
  });

  test("an unknown path is Go's plain-text 404", async () => {
    expect(await get(backend(), "/api/nope")).toMatchObject({
      status: 404,
      text: "404 page not found",
    });
  });
});

describe("mock upstream, vllm flavor", () => {
  const backend = useBackend({
    flavor: "vllm",
    models: [{ id: "meta-llama/Llama-3.1-8B-Instruct", context_length: 16384 }],
  });

  test("GET /health is 200 with an empty body; /version reports a version", async () => {
    expect(await get(backend(), "/health")).toMatchObject({ status: 200, text: "" });
    expect(JSON.parse((await get(backend(), "/version")).text)).toEqual({ version: "0.6.3" });
  });

  test("GET /v1/models carries max_model_len, owned_by vllm and root", async () => {
    const { object, data } = JSON.parse((await get(backend(), "/v1/models")).text);
    expect(object).toBe("list");
    expect(data[0]).toMatchObject({
      id: "meta-llama/Llama-3.1-8B-Instruct",
      object: "model",
      owned_by: "vllm",
      root: "meta-llama/Llama-3.1-8B-Instruct",
      max_model_len: 16384,
    });
  });

  test("an unknown model is OpenAI's 404; an unknown path FastAPI's", async () => {
    const missing = await get(
      backend(),
      "/v1/chat/completions",
      postJson({ model: "x", messages }),
    );
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text).error.code).toBe("model_not_found");
    const path = await get(backend(), "/nope");
    expect(path.status).toBe(404);
    expect(JSON.parse(path.text)).toEqual({ detail: "Not Found" });
  });
});

describe("mock upstream, llamacpp flavor", () => {
  const backend = useBackend({
    flavor: "llamacpp",
    models: [{
      id: "qwen2.5-7b-instruct-q4_k_m.gguf",
      context_length: 4096,
      capabilities: ["completion", "vision"],
    }],
  });

  test("GET /health is {status: ok}; GET /props has context, slots, model path, vision", async () => {
    expect(JSON.parse((await get(backend(), "/health")).text)).toEqual({ status: "ok" });
    const props = JSON.parse((await get(backend(), "/props")).text);
    expect(props.default_generation_settings.n_ctx).toBe(4096);
    expect(props.total_slots).toBe(4);
    expect(props.model_path).toBe("/models/qwen2.5-7b-instruct-q4_k_m.gguf");
    expect(props.modalities).toEqual({ vision: true, audio: false });
  });

  test("GET /v1/models is owned by llamacpp and has meta.n_ctx_train", async () => {
    const { data } = JSON.parse((await get(backend(), "/v1/models")).text);
    expect(data).toHaveLength(1);
    expect(data[0]).toMatchObject({ id: "qwen2.5-7b-instruct-q4_k_m.gguf", owned_by: "llamacpp" });
    expect(data[0].meta.n_ctx_train).toBe(4096);
  });

  test("chat answers whatever model name is asked, as llama-server does", async () => {
    const reply = await get(
      backend(),
      "/v1/chat/completions",
      postJson({ model: "gpt-4", messages }),
    );
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.text).model).toBe("gpt-4");
  });

  test("while loading, /health and chat answer 503 Loading model", async () => {
    backend().mock.setFault({ kind: "loading" });
    try {
      const body = { error: { code: 503, message: "Loading model", type: "unavailable_error" } };
      for (
        const response of [
          await get(backend(), "/health"),
          await get(backend(), "/v1/chat/completions", postJson({ model: "m", messages })),
        ]
      ) {
        expect(response.status).toBe(503);
        expect(JSON.parse(response.text)).toEqual(body);
      }
    } finally {
      backend().mock.setFault({ kind: "none" });
    }
    expect((await get(backend(), "/health")).status).toBe(200);
  });

  test("an unknown path is llama-server's 404 envelope", async () => {
    const path = await get(backend(), "/nope");
    expect(path.status).toBe(404);
    expect(JSON.parse(path.text)).toEqual({
      error: { code: 404, message: "File Not Found", type: "not_found_error" },
    });
  });
});

describe("mock upstream, lmstudio flavor", () => {
  const backend = useBackend({
    flavor: "lmstudio",
    models: [
      { id: "qwen2-vl-7b-instruct", capabilities: ["completion", "vision"], context_length: 32768 },
      { id: "text-embedding-nomic-embed-text-v1.5", type: "embeddings", loaded: false },
    ],
  });

  test("GET /api/v0/models has type, state, max_context_length, arch, quantization", async () => {
    const { data } = JSON.parse((await get(backend(), "/api/v0/models")).text);
    expect(data[0]).toMatchObject({
      id: "qwen2-vl-7b-instruct",
      type: "vlm",
      state: "loaded",
      max_context_length: 32768,
      arch: "qwen2",
      quantization: expect.any(String),
    });
    expect(data[1]).toMatchObject({ type: "embeddings", state: "not-loaded" });
  });

  test("GET /v1/models is the plain OpenAI list; unknown paths name the method and path", async () => {
    const { data } = JSON.parse((await get(backend(), "/v1/models")).text);
    expect(data.map((m: { id: string }) => m.id)).toHaveLength(2);
    const path = await get(backend(), "/nope");
    expect(path.status).toBe(404);
    expect(JSON.parse(path.text)).toEqual({ error: "Unexpected endpoint or method. (GET /nope)" });
  });
});

describe("mock upstream, openai flavor", () => {
  const backend = useBackend({});

  test("serves the OpenAI routes only, with OpenAI's 404 for anything else", async () => {
    const { data } = JSON.parse((await get(backend(), "/v1/models")).text);
    expect(data).toEqual([{
      id: "mock-model",
      object: "model",
      created: expect.any(Number),
      owned_by: "system",
    }]);
    for (const path of ["/health", "/api/tags", "/props"]) {
      const response = await get(backend(), path);
      expect(response.status).toBe(404);
      expect(JSON.parse(response.text).error.message).toBe(`Invalid URL (GET ${path})`);
    }
  });

  test("setModels changes what the server lists and accepts", async () => {
    backend().mock.setModels([{ id: "a" }, { id: "b" }]);
    try {
      const { data } = JSON.parse((await get(backend(), "/v1/models")).text);
      expect(data.map((m: { id: string }) => m.id)).toEqual(["a", "b"]);
      const missing = await get(
        backend(),
        "/v1/chat/completions",
        postJson({ model: "mock-model", messages }),
      );
      expect(missing.status).toBe(404);
    } finally {
      backend().mock.setModels([{ id: "mock-model" }]);
    }
  });
});
