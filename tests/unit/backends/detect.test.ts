import { describe, expect, test } from "bun:test";
import { detectBackend, detectBackendType } from "../../../src/backends/mod.ts";
import { BASE_URL, createFakeFetch, json, type Reply } from "../../helpers/fake-backend-fetch.ts";

function detect(routes: Readonly<Record<string, Reply>>, options: { apiKey?: string } = {}) {
  const fake = createFakeFetch(routes);
  const type = detectBackendType({
    baseUrl: BASE_URL,
    fetch: fake.fetch,
    signal: new AbortController().signal,
    ...options,
  });
  return { type, fake };
}

const OLLAMA: Record<string, Reply> = {
  "GET /": { body: "Ollama is running", contentType: "text/plain; charset=utf-8" },
  "GET /api/version": json("ollama-version.json"),
  "GET /api/tags": json("ollama-tags.json"),
  "GET /api/ps": json("ollama-ps.json"),
  "GET /v1/models": {
    body:
      '{"object":"list","data":[{"id":"qwen3:8b","object":"model","created":1746188467,"owned_by":"library"}]}',
  },
};

const LLAMACPP: Record<string, Reply> = {
  "GET /health": json("llamacpp-health-ok.json"),
  "GET /props": json("llamacpp-props.json"),
  "GET /v1/models": json("llamacpp-models.json"),
};

const VLLM: Record<string, Reply> = {
  "GET /health": { body: "" },
  "GET /version": json("vllm-version.json"),
  "GET /v1/models": json("vllm-models.json"),
  "*": { status: 404, body: '{"detail":"Not Found"}', contentType: "application/json" },
};

const LMSTUDIO: Record<string, Reply> = {
  "GET /api/v0/models": json("lmstudio-v0-models.json"),
  "GET /v1/models": json("lmstudio-v1-models.json"),
  "*": json("lmstudio-404.json", 404),
};

describe("detectBackendType()", () => {
  test("recognises Ollama by /api/version and /api/tags", async () => {
    expect(await detect(OLLAMA).type).toBe("ollama");
  });

  test("recognises llama.cpp by /props", async () => {
    expect(await detect(LLAMACPP).type).toBe("llamacpp");
  });

  test("recognises llama.cpp while it loads its model", async () => {
    const loading = json("llamacpp-health-loading.json", 503);
    expect(await detect({ "*": loading }).type).toBe("llamacpp");
  });

  test("recognises llama.cpp by its model list's owner when /props needs a key", async () => {
    const routes = { ...LLAMACPP, "GET /props": { status: 401, body: "" } };
    expect(await detect(routes).type).toBe("llamacpp");
  });

  test("recognises a llama.cpp build by /health ok beside an OpenAI model list", async () => {
    const routes = {
      "GET /health": json("llamacpp-health-ok.json"),
      "GET /v1/models": { body: '{"object":"list","data":[{"id":"model.gguf","object":"model"}]}' },
    };
    expect(await detect(routes).type).toBe("llamacpp");
  });

  test("recognises LM Studio by /api/v0/models", async () => {
    expect(await detect(LMSTUDIO).type).toBe("lmstudio");
  });

  test("recognises vLLM by /version beside an OpenAI model list", async () => {
    expect(await detect(VLLM).type).toBe("vllm");
  });

  test("recognises vLLM by owned_by when /version is missing", async () => {
    const routes = { ...VLLM, "GET /version": { status: 404 } };
    expect(await detect(routes).type).toBe("vllm");
  });

  test("calls any other OpenAI model list generic (exo, OpenAI, proxies)", async () => {
    expect(await detect({ "GET /v1/models": json("exo-models.json") }).type).toBe("generic");
    expect(await detect({ "GET /v1/models": json("openai-models.json") }).type).toBe("generic");
  });

  test("returns undefined for a web app that answers every path with HTML", async () => {
    const page = { body: "<!doctype html><title>Home Assistant</title>", contentType: "text/html" };
    expect(await detect({ "*": page }).type).toBeUndefined();
  });

  test("returns undefined for a JSON service with a /health ok of its own", async () => {
    const routes = {
      "GET /health": { body: '{"status":"ok"}' },
      "*": { body: '{"status":"ok","uptime":1234}' },
    };
    expect(await detect(routes).type).toBeUndefined();
  });

  test("returns undefined when nothing answers", async () => {
    const refused = Object.assign(new TypeError("Unable to connect"), { code: "ECONNREFUSED" });
    expect(await detect({ "*": refused }).type).toBeUndefined();
  });

  test("returns undefined when the deadline passes first", async () => {
    const deadline = new AbortController();
    const fake = createFakeFetch({ "*": "hang" });
    const type = detectBackendType({
      baseUrl: BASE_URL,
      fetch: fake.fetch,
      signal: deadline.signal,
    });
    deadline.abort();
    expect(await type).toBeUndefined();
  });

  test("a server that wants a key: the first refusal, for a message that says so", async () => {
    const keyed: Record<string, Reply> = {
      "GET /health": { body: "" },
      "*": { status: 401, body: '{"error":"Unauthorized"}', contentType: "application/json" },
    };
    const ask = (routes: Record<string, Reply>) =>
      detectBackend({
        baseUrl: BASE_URL,
        fetch: createFakeFetch(routes).fetch,
        signal: new AbortController().signal,
      });
    // vLLM --api-key: everything but /health asks for the key.
    expect(await ask(keyed)).toEqual({ refused: "HTTP 401 from /api/version" });
    expect(await detect(keyed).type).toBeUndefined();
    // With its answers, the same server is found; a server that refuses nothing is not "refused".
    expect(await ask(VLLM)).toBe("vllm");
    expect(await ask({ "*": { status: 404, body: "" } })).toBeUndefined();
  });

  test("sends only GETs, with the key when one is given", async () => {
    const { type, fake } = detect(VLLM, { apiKey: "token-abc123" });
    await type;
    expect(new Set(fake.requests.map((r) => r.method))).toEqual(new Set(["GET"]));
    expect(fake.requests.every((r) => r.headers.get("authorization") === "Bearer token-abc123"))
      .toBe(true);
  });

  test("sends no Authorization header without a key", async () => {
    const { type, fake } = detect(OLLAMA);
    await type;
    expect(fake.requests.some((r) => r.headers.has("authorization"))).toBe(false);
  });
});
