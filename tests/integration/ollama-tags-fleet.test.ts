/**
 * `/api/tags` and `/api/ps` over a fleet of every backend type (Ollama, vLLM, llama.cpp, LM
 * Studio), read by the official `ollama` client: one entry per model name with every backend that
 * holds it, and each server's own facts where it gives them (llama-server's `meta`, LM Studio's
 * architecture and quantization).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Ollama } from "ollama";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";

const SHARED = "qwen2.5:7b";
let mocks: MockBackend[] = [];
let gateway: RunningGateway;
let client: Ollama;

beforeAll(async () => {
  const [ollama, vllm, llamacpp, lmstudio] = mocks = await Promise.all([
    startMockBackend({ flavor: "ollama", models: [{ id: SHARED }, { id: "llama3.1:8b" }] }),
    startMockBackend({ flavor: "vllm", models: [{ id: SHARED }, { id: "Qwen/Qwen3-8B" }] }),
    startMockBackend({ flavor: "llamacpp", models: [{ id: "gemma-3-4b-it-Q4_K_M.gguf" }] }),
    startMockBackend({ flavor: "lmstudio", models: [{ id: SHARED }, { id: "phi-4" }] }),
  ]);
  gateway = await startGateway([
    { name: "ollama", url: ollama!.url, type: "ollama" },
    { name: "vllm", url: vllm!.url, type: "vllm" },
    { name: "llamacpp", url: llamacpp!.url, type: "llamacpp" },
    { name: "lmstudio", url: lmstudio!.url, type: "lmstudio" },
  ]);
  await gateway.gateway.health.runRound();
  client = new Ollama({ host: gateway.url });
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all(mocks.map((mock) => mock.close()));
});

describe("/api/tags over every backend type", () => {
  test("one entry per name, listing every backend that holds it", async () => {
    const { models } = await client.list();
    const rows = models.map((m) => [m.name, (m as unknown as { backends: string[] }).backends]);
    expect(rows).toEqual([
      ["Qwen/Qwen3-8B", ["vllm"]],
      ["gemma-3-4b-it-Q4_K_M.gguf", ["llamacpp"]],
      ["llama3.1:8b", ["ollama"]],
      ["phi-4", ["lmstudio"]],
      [SHARED, ["ollama", "vllm", "lmstudio"]],
    ]);
  });

  test("each server's own facts: llama-server's meta, LM Studio's architecture", async () => {
    const byName = new Map((await client.list()).models.map((m) => [m.name, m]));
    const gemma = byName.get("gemma-3-4b-it-Q4_K_M.gguf")!;
    expect(gemma.size).toBe(Math.round(4e9 * 0.58));
    expect(gemma.details).toMatchObject({ format: "gguf", parameter_size: "4B" });
    expect(byName.get("phi-4")!.details).toMatchObject({
      format: "gguf",
      family: "phi3",
      quantization_level: "Q4_K_M",
    });
    // The first backend that lists a shared name gives its facts: here Ollama's own.
    expect(byName.get(SHARED)!.details).toMatchObject({ family: "qwen2", parameter_size: "7.0B" });
    // vLLM says nothing about its weights: neutral values, never missing keys.
    expect(byName.get("Qwen/Qwen3-8B")!.size).toBe(0);
  });

  test("/api/ps: llama.cpp's one model with its size, and the backend holding each", async () => {
    const { models } = await client.ps();
    const gemma = models.find((m) => m.name === "gemma-3-4b-it-Q4_K_M.gguf")!;
    expect((gemma as unknown as { backend: string }).backend).toBe("llamacpp");
    expect(gemma.size).toBe(Math.round(4e9 * 0.58));
    expect(gemma.size_vram).toBe(0);
  });
});
