import { describe, expect, test } from "bun:test";
import { json, probeFake } from "../../helpers/fake-backend-fetch.ts";

const MODELS = { "GET /v1/models": json("openai-models.json") };

describe("openai adapter probe()", () => {
  test("lists models from /v1/models with capabilities unknown", async () => {
    const { result } = await probeFake("openai", MODELS, { apiKey: "sk-proj-abcd" });
    expect(result).toEqual({
      ok: true,
      models: [
        { id: "gpt-4o-mini", owned_by: "system", capabilities: {} },
        { id: "gpt-4o", owned_by: "system", capabilities: {} },
        { id: "text-embedding-3-small", owned_by: "system", capabilities: {} },
      ],
    });
  });

  test("sends one GET /v1/models with the key and never a billed request", async () => {
    const { fake } = await probeFake("openai", MODELS, { apiKey: "sk-proj-abcd" });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.method).toBe("GET");
    expect(fake.requests[0]!.path).toBe("/v1/models");
    expect(fake.requests[0]!.headers.get("authorization")).toBe("Bearer sk-proj-abcd");
  });

  test("reports a rejected key", async () => {
    const routes = { "GET /v1/models": json("openai-error-401.json", 401) };
    const { result } = await probeFake("openai", routes, { apiKey: "sk-wrong" });
    expect(result).toEqual({ ok: false, reason: "HTTP 401 from /v1/models" });
  });

  test("sends no Authorization header without a key", async () => {
    const { fake } = await probeFake("openai", MODELS);
    expect(fake.requests[0]!.headers.has("authorization")).toBe(false);
  });
});
