import { describe, expect, test } from "bun:test";
import { json, probeFake, type Reply } from "../../helpers/fake-backend-fetch.ts";

const NATIVE_404 = json("lmstudio-404.json", 404);

function lmstudio(routes: Record<string, Reply> = {}): Record<string, Reply> {
  return {
    "GET /api/v0/models": json("lmstudio-v0-models.json"),
    "GET /v1/models": json("lmstudio-v1-models.json"),
    ...routes,
  };
}

describe("lmstudio adapter probe()", () => {
  test("reads kind, loaded state and context window from /api/v0/models", async () => {
    const { result, fake } = await probeFake("lmstudio", lmstudio());
    if (result.ok) {
      expect(result.models[1]!.native).toEqual({
        family: "llama",
        families: ["llama"],
        format: "gguf",
        quantization_level: "Q4_K_M",
      });
    }
    expect(result.ok && { ...result, models: result.models.map(({ native: _, ...m }) => m) })
      .toEqual({
        ok: true,
        models: [
          {
            id: "qwen2-vl-7b-instruct",
            capabilities: { vision: true, embeddings: false, completion: true },
            context_length: 32768,
            loaded: false,
          },
          {
            id: "meta-llama-3.1-8b-instruct",
            capabilities: { vision: false, embeddings: false, completion: true },
            context_length: 131072,
            loaded: true,
          },
          {
            id: "text-embedding-nomic-embed-text-v1.5",
            capabilities: {
              vision: false,
              tools: false,
              json_mode: false,
              embeddings: true,
              completion: false,
            },
            context_length: 2048,
            loaded: false,
          },
        ],
      });
    expect(fake.calls("GET /v1/models")).toBe(0);
  });

  test("leaves an unknown kind and state unknown", async () => {
    const body = '{"data":[{"id":"new-thing","type":"tts","state":"loading"}]}';
    const { result } = await probeFake("lmstudio", lmstudio({ "GET /api/v0/models": { body } }));
    expect(result).toEqual({ ok: true, models: [{ id: "new-thing", capabilities: {} }] });
  });

  test("falls back to /v1/models when /api/v0 is absent (404)", async () => {
    const { result } = await probeFake("lmstudio", lmstudio({ "GET /api/v0/models": NATIVE_404 }));
    expect(result).toEqual({
      ok: true,
      models: [
        { id: "meta-llama-3.1-8b-instruct", owned_by: "organization_owner", capabilities: {} },
        {
          id: "text-embedding-nomic-embed-text-v1.5",
          owned_by: "organization_owner",
          capabilities: {},
        },
      ],
    });
  });

  test("reports the fallback's failure when both lists fail", async () => {
    const routes = lmstudio({
      "GET /api/v0/models": NATIVE_404,
      "GET /v1/models": { status: 502 },
    });
    const { result } = await probeFake("lmstudio", routes);
    expect(result).toEqual({ ok: false, reason: "HTTP 502 from /v1/models" });
  });

  test("does not fall back on other errors", async () => {
    const routes = lmstudio({ "GET /api/v0/models": { status: 500 } });
    const { result, fake } = await probeFake("lmstudio", routes);
    expect(result).toEqual({ ok: false, reason: "HTTP 500 from /api/v0/models" });
    expect(fake.calls("GET /v1/models")).toBe(0);
  });

  test("fails on invalid JSON from /api/v0/models", async () => {
    const routes = lmstudio({ "GET /api/v0/models": { body: "<html>LM Studio</html>" } });
    const { result } = await probeFake("lmstudio", routes);
    expect(result).toEqual({ ok: false, reason: "invalid JSON from /api/v0/models" });
  });

  test("sends the API token only when configured (LM Studio 0.4 authentication)", async () => {
    const withKey = await probeFake("lmstudio", lmstudio(), { apiKey: "lm-token" });
    const without = await probeFake("lmstudio", lmstudio());
    expect(withKey.fake.requests[0]!.headers.get("authorization")).toBe("Bearer lm-token");
    expect(without.fake.requests[0]!.headers.has("authorization")).toBe(false);
  });
});
