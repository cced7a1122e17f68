import { describe, expect, test } from "bun:test";
import { json, probeFake, type Reply } from "../../helpers/fake-backend-fetch.ts";

function vllm(routes: Record<string, Reply> = {}): Record<string, Reply> {
  return {
    "GET /health": { status: 200, body: "" },
    "GET /v1/models": json("vllm-models.json"),
    "GET /version": json("vllm-version.json"),
    ...routes,
  };
}

describe("vllm adapter probe()", () => {
  test("reads the context window from max_model_len and the version from /version", async () => {
    const { result } = await probeFake("vllm", vllm());
    expect(result).toEqual({
      ok: true,
      version: "0.6.3.post1",
      models: [{
        id: "meta-llama/Llama-3.1-8B-Instruct",
        owned_by: "vllm",
        context_length: 8192,
        capabilities: {},
        loaded: true,
      }],
    });
  });

  test("works without /version", async () => {
    const { result } = await probeFake("vllm", vllm({ "GET /version": { status: 404 } }));
    expect(result.ok && result.version).toBeUndefined();
    expect(result.ok && result.models).toHaveLength(1);
  });

  test("is down while /health is not 200, whatever /v1/models says", async () => {
    const { result } = await probeFake("vllm", vllm({ "GET /health": { status: 500 } }));
    expect(result).toEqual({ ok: false, reason: "HTTP 500 from /health" });
  });

  test("reports a rejected key from /v1/models", async () => {
    const denied = { status: 401, body: '{"error":"Unauthorized"}' };
    const { result } = await probeFake("vllm", vllm({ "GET /v1/models": denied }));
    expect(result).toEqual({ ok: false, reason: "HTTP 401 from /v1/models" });
  });

  test("sends the Bearer key only when configured", async () => {
    const withKey = await probeFake("vllm", vllm(), { apiKey: "token-abc123" });
    const without = await probeFake("vllm", vllm());
    expect(
      withKey.fake.requests.every((r) => r.headers.get("authorization") === "Bearer token-abc123"),
    )
      .toBe(true);
    expect(without.fake.requests.some((r) => r.headers.has("authorization"))).toBe(false);
  });
});
