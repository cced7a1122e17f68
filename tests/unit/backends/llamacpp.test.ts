import { describe, expect, test } from "bun:test";
import { fixture, json, probeFake, type Reply } from "../../helpers/fake-backend-fetch.ts";
import { humanNumber, parseOpenAiModels } from "../../../src/backends/openai-models.ts";

function llamacpp(routes: Record<string, Reply> = {}): Record<string, Reply> {
  return {
    "GET /health": json("llamacpp-health-ok.json"),
    "GET /props": json("llamacpp-props.json"),
    "GET /v1/models": json("llamacpp-models.json"),
    ...routes,
  };
}

function propsWith(change: (props: Record<string, unknown>) => void): Reply {
  const props = JSON.parse(fixture("llamacpp-props.json"));
  change(props);
  return { body: JSON.stringify(props) };
}

const LOADING = json("llamacpp-health-loading.json", 503);

describe("llamacpp adapter probe()", () => {
  test("takes the slot context, vision, slots and build from /props and the id from /v1/models", async () => {
    const { result } = await probeFake("llamacpp", llamacpp());
    expect(result).toEqual({
      ok: true,
      version: "b5170-3d2f9b1a",
      slots: 4,
      models: [{
        id: "Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf",
        owned_by: "llamacpp",
        // n_ctx (what the server was started with), not meta.n_ctx_train (131072).
        context_length: 4096,
        capabilities: { vision: false },
        // Its one model is loaded at start-up.
        loaded: true,
        // meta.n_params and meta.size, for Ollama-shaped listings (/api/tags).
        native: { format: "gguf", size: 4912898304, parameter_size: "8.0B" },
      }],
    });
  });

  test("reports vision when /props says the model takes images", async () => {
    const props = propsWith((p) => (p.modalities = { vision: true, audio: false }));
    const { result } = await probeFake("llamacpp", llamacpp({ "GET /props": props }));
    expect(result.ok && result.models[0]!.capabilities).toEqual({ vision: true });
  });

  test("knows there is no vision on builds without modalities (they predate image input)", async () => {
    const props = propsWith((p) => delete p.modalities);
    const { result } = await probeFake("llamacpp", llamacpp({ "GET /props": props }));
    expect(result.ok && result.models[0]!.capabilities).toEqual({ vision: false });
  });

  test("leaves vision unknown when modalities does not say", async () => {
    const props = propsWith((p) => (p.modalities = {}));
    const { result } = await probeFake("llamacpp", llamacpp({ "GET /props": props }));
    expect(result.ok && result.models[0]!.capabilities).toEqual({});
  });

  test("serves the model with unknown details when /props is refused", async () => {
    const denied = { status: 401, body: '{"error":{"code":401,"message":"Invalid API Key"}}' };
    const { result } = await probeFake("llamacpp", llamacpp({ "GET /props": denied }));
    expect(result).toEqual({
      ok: true,
      models: [{
        id: "Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf",
        owned_by: "llamacpp",
        capabilities: {},
        native: { format: "gguf", size: 4912898304, parameter_size: "8.0B" },
      }],
    });
  });

  test("a 503 Loading model is not ready, not a failure", async () => {
    const routes = { "GET /health": LOADING, "GET /props": LOADING, "GET /v1/models": LOADING };
    const { result } = await probeFake("llamacpp", routes);
    expect(result).toEqual({ ok: false, reason: "loading model", notReady: true });
  });

  test("recognises the older loading answer too", async () => {
    const old = { status: 503, body: '{"status":"loading model"}' };
    const { result } = await probeFake("llamacpp", llamacpp({ "GET /health": old }));
    expect(result).toEqual({ ok: false, reason: "loading model", notReady: true });
  });

  test("any other 503 from /health is a failure", async () => {
    const busy = { status: 503, body: '{"status":"no slot available"}' };
    const { result } = await probeFake("llamacpp", llamacpp({ "GET /health": busy }));
    expect(result).toEqual({ ok: false, reason: "HTTP 503 from /health" });
  });

  test("fails on invalid JSON from /v1/models", async () => {
    const { result } = await probeFake("llamacpp", llamacpp({ "GET /v1/models": { body: "" } }));
    expect(result).toEqual({ ok: false, reason: "invalid JSON from /v1/models" });
  });

  test("sends the API key on every request when configured (--api-key guards /props)", async () => {
    const { fake } = await probeFake("llamacpp", llamacpp(), { apiKey: "llama-key" });
    expect(fake.requests.map((r) => r.headers.get("authorization"))).toEqual([
      "Bearer llama-key",
      "Bearer llama-key",
      "Bearer llama-key",
    ]);
  });

  test("sends no Authorization header without a key", async () => {
    const { fake } = await probeFake("llamacpp", llamacpp());
    expect(fake.requests.some((r) => r.headers.has("authorization"))).toBe(false);
  });
});

describe("llama-server's meta in /v1/models", () => {
  test("parameter counts are written as Ollama writes them", () => {
    expect(humanNumber(8030261312)).toBe("8.0B");
    expect(humanNumber(70553706496)).toBe("70.6B");
    expect(humanNumber(7000000000)).toBe("7B");
    expect(humanNumber(136727040)).toBe("136.73M");
    expect(humanNumber(22000000)).toBe("22M");
    expect(humanNumber(1500)).toBe("2K");
    expect(humanNumber(999)).toBe("999");
  });

  test("only a meta with a size or a parameter count says anything", () => {
    const models = parseOpenAiModels({
      data: [
        { id: "router-loaded", meta: { n_ctx: 8192 } },
        { id: "sized", meta: { size: 1000 } },
        { id: "vllm", max_model_len: 4096 },
      ],
    });
    expect(models?.map((m) => m.native)).toEqual([
      undefined,
      { format: "gguf", size: 1000 },
      undefined,
    ]);
  });
});
