import { describe, expect, test } from "bun:test";
import { json, probeFake, type Reply } from "../../helpers/fake-backend-fetch.ts";

function models(reply: Reply, baseUrl?: string) {
  return probeFake("generic", { "GET /v1/models": reply }, baseUrl ? { baseUrl } : {});
}

describe("generic adapter probe()", () => {
  test("reads context_length (OpenRouter, Together)", async () => {
    const { result } = await models(json("generic-models-context-length.json"));
    expect(result).toEqual({
      ok: true,
      models: [{ id: "mistralai/mistral-7b-instruct", context_length: 32768, capabilities: {} }],
    });
  });

  test("reads context_window (Groq)", async () => {
    const { result } = await models(json("generic-models-context-window.json"));
    expect(result.ok && result.models[0]).toEqual({
      id: "llama-3.1-8b-instant",
      owned_by: "Meta",
      context_length: 131072,
      capabilities: {},
    });
  });

  test("skips entries without an id, keeps repeated ids once and ignores odd context values", async () => {
    const body = JSON.stringify({
      data: [
        { id: "a", max_model_len: "8192" },
        { object: "model" },
        "b",
        { id: "" },
        { id: "a", max_model_len: 4096 },
        { id: "c", context_length: -1 },
      ],
    });
    const { result } = await models({ body });
    expect(result).toEqual({
      ok: true,
      models: [{ id: "a", capabilities: {} }, { id: "c", capabilities: {} }],
    });
  });

  test("an empty data list is a healthy server with no models", async () => {
    const { result } = await models({ body: '{"object":"list","data":[]}' });
    expect(result).toEqual({ ok: true, models: [] });
  });

  test("fails on a body that is not JSON", async () => {
    const { result } = await models({ body: "<!doctype html><title>Router login</title>" });
    expect(result).toEqual({ ok: false, reason: "invalid JSON from /v1/models" });
  });

  test("fails on JSON of the wrong shape", async () => {
    for (const body of ['{"data":"none"}', "[]", "null", '"list"', '{"models":[]}']) {
      const { result } = await models({ body });
      expect(result).toEqual({ ok: false, reason: "invalid JSON from /v1/models" });
    }
  });

  test("reports the status of a non-2xx answer", async () => {
    const { result } = await models({ status: 404, body: '{"detail":"Not Found"}' });
    expect(result).toEqual({ ok: false, reason: "HTTP 404 from /v1/models" });
  });

  test("joins paths onto a base URL with a trailing slash without doubling it", async () => {
    const { result, fake } = await models(json("openai-models.json"), "http://gpu-box.lan:8000/");
    expect(result.ok).toBe(true);
    expect(fake.requests[0]!.path).toBe("/v1/models");
  });
});
