/**
 * What health checks report is true (issue 16): a config backend without `type` is detected
 * like one added by the admin API; unknown capabilities are `null`, never `false`; a llama.cpp
 * build without `modalities` cannot take images (503 with the reason, not the backend's error);
 * each backend's server version is shown.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createMockUpstream } from "../mock/mod.ts";
import { runCli } from "../../src/cli/mod.ts";
import { loadRuntime } from "../../src/runtime/mod.ts";
import { createFakeRuntime } from "../helpers/fake-runtime.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";

let llama: MockBackend;
let oldLlama: MockBackend;
let ollama: MockBackend;
let gateway: RunningGateway;

/** An older llama-server build: its /props has no `modalities` (and it cannot take images). */
async function startOldLlamaServer(): Promise<MockBackend> {
  const runtime = await loadRuntime();
  const mock = createMockUpstream({
    flavor: "llamacpp",
    models: [{ id: "old.gguf", context_length: 2048 }],
  });
  const server = await runtime.serve(async (request) => {
    const response = await mock.fetch(request);
    if (new URL(request.url).pathname !== "/props") return response;
    const props = await response.json();
    delete props.modalities;
    return Response.json(props);
  }, { hostname: "127.0.0.1", port: 0 });
  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port,
    mock,
    async close() {
      mock.shutdown();
      await server.stop(true);
    },
  };
}

beforeAll(async () => {
  llama = await startMockBackend({
    flavor: "llamacpp",
    models: [{ id: "phi-3.gguf", context_length: 4096 }],
  });
  oldLlama = await startOldLlamaServer();
  ollama = await startMockBackend({
    flavor: "ollama",
    models: [{ id: "llava:7b", context_length: 4096, capabilities: ["completion", "vision"] }],
  });
  // No `type` anywhere: the default is detection.
  gateway = await startGateway([
    { name: "llama", url: llama.url },
    { name: "old", url: oldLlama.url },
    { name: "ollama", url: ollama.url },
  ]);
  await gateway.gateway.health.runRound();
});

afterAll(async () => {
  gateway.gateway.stop();
  await gateway.close();
  for (const backend of [llama, oldLlama, ollama]) await backend.close();
});

const get = async (path: string) => await (await fetch(`${gateway.url}${path}`)).json();

describe("type detection for config backends", () => {
  test("a [[backends]] entry without type ends up llamacpp, with its context length", () => {
    const backend = gateway.gateway.registry.get("llama")!;
    expect(backend.type).toBe("llamacpp");
    expect(backend.status).toBe("healthy");
    expect(backend.models).toEqual([
      expect.objectContaining({ id: "phi-3.gguf", context_length: 4096 }),
    ]);
    expect(gateway.gateway.registry.get("ollama")!.type).toBe("ollama");
    expect(
      gateway.logs.some((line) =>
        line.includes('"message":"backend type detected"') && line.includes('"type":"llamacpp"')
      ),
    ).toBe(true);
  });
});

describe("capabilities that tell the truth", () => {
  test("/v1/models shows unknown capabilities as null, known ones as true or false", async () => {
    const models = (await get("/v1/models")).data as Array<
      { id: string; capabilities: Record<string, boolean | null> }
    >;
    const byId = new Map(models.map((m) => [m.id, m.capabilities]));
    // llama.cpp says nothing about tools or JSON mode: unknown, not "no".
    expect(byId.get("phi-3.gguf")).toEqual({
      vision: false,
      tools: null,
      json_mode: null,
      embeddings: null,
    });
    // A build without `modalities` predates image input: vision is known to be false.
    expect(byId.get("old.gguf")!.vision).toBe(false);
    expect(byId.get("llava:7b")).toEqual({
      vision: true,
      tools: false,
      json_mode: true,
      embeddings: false,
    });
  });

  test("an image request to a llama.cpp build without modalities gets 503 with the reason", async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "old.gguf",
        messages: [{
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
          ],
        }],
      }),
    });
    expect(response.status).toBe(503);
    const body = await response.json();
    expect(body.error.message).toContain("old: no vision support");
    expect(oldLlama.mock.chatRequests()).toEqual([]);
  });

  test("nexus models marks unknown capabilities with ?; --json passes null through", async () => {
    const runtime = createFakeRuntime({ env: { NEXUS_URL: gateway.url } });
    expect(await runCli(runtime, ["models"])).toBe(0);
    const row = runtime.stdoutText().split("\n").find((line) => line.startsWith("phi-3.gguf"))!;
    expect(row).toContain("tools?,json_mode?,embeddings?");
    expect(row).not.toContain("vision");
    const json = createFakeRuntime({ env: { NEXUS_URL: gateway.url } });
    await runCli(json, ["models", "--json"]);
    const phi = JSON.parse(json.stdoutText()).find((m: { id: string }) => m.id === "phi-3.gguf");
    expect(phi.capabilities.tools).toBeNull();
  });
});

describe("server versions", () => {
  test("/v1/backends, backends list --json and the healthy log line show each server's version", async () => {
    const listed = (await get("/v1/backends")).data as Array<{ name: string; version: unknown }>;
    const versions = Object.fromEntries(listed.map((b) => [b.name, b.version]));
    expect(versions.llama).toBe("b4800-mock");
    expect(typeof versions.ollama).toBe("string");
    const runtime = createFakeRuntime({ env: { NEXUS_URL: gateway.url } });
    expect(await runCli(runtime, ["backends", "list", "--json"])).toBe(0);
    const rows = JSON.parse(runtime.stdoutText()) as Array<{ name: string; version: unknown }>;
    expect(rows.find((b) => b.name === "llama")!.version).toBe("b4800-mock");
    const healthy = gateway.logs.find((line) =>
      line.includes('"message":"backend healthy"') && line.includes('"backend":"llama"')
    )!;
    expect(JSON.parse(healthy).version).toBe("b4800-mock");
  });

  test("backends list --status busy is accepted", async () => {
    const runtime = createFakeRuntime({ env: { NEXUS_URL: gateway.url } });
    expect(await runCli(runtime, ["backends", "list", "--status", "busy"])).toBe(0);
    expect(runtime.stdoutText()).toBe("No busy backends.\n");
  });
});
