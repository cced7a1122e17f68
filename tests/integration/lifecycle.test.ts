/**
 * Model lifecycle through a running gateway: load and unload on Ollama- and llama.cpp-router-
 * shaped mocks, the llama.cpp router shape for the whole fleet, refusals for servers that cannot,
 * and the admin rules.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { runCli } from "../../src/cli/mod.ts";
import { createFakeRuntime } from "../helpers/fake-runtime.ts";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";

let ollama: MockBackend;
let router: MockBackend;
let vllm: MockBackend;
let gateway: RunningGateway;

beforeAll(async () => {
  ollama = await startMockBackend({
    flavor: "ollama",
    models: [{ id: "warm:7b", loaded: true }, { id: "cold:7b", loaded: false }],
  });
  router = await startMockBackend({
    flavor: "llamacpp",
    router: true,
    models: [{ id: "qwen-coder", loaded: false }, { id: "gemma-3", loaded: true }],
  });
  vllm = await startMockBackend({ flavor: "vllm", models: [{ id: "meta-llama/Llama-3.1-8B" }] });
  gateway = await startGateway([
    {
      name: "ollama",
      url: ollama.url,
      type: "ollama",
      models: [
        { id: "warm:7b", capabilities: {}, loaded: true },
        { id: "cold:7b", capabilities: {}, loaded: false },
      ],
    },
    {
      name: "router",
      url: router.url,
      type: "llamacpp",
      models: [
        { id: "qwen-coder", capabilities: {}, loaded: false },
        { id: "gemma-3", capabilities: {}, loaded: true },
      ],
    },
    { name: "vllm", url: vllm.url, type: "vllm", models: ["meta-llama/Llama-3.1-8B"] },
  ], { routing: { aliases: { coder: "qwen-coder" } } });
});

afterAll(async () => {
  await gateway.close();
  await Promise.all([ollama.close(), router.close(), vllm.close()]);
});

function post(path: string, body?: unknown, peer = "127.0.0.1") {
  return gateway.gateway.fetch(
    new Request(`http://nexus.test${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
    { remoteAddress: peer },
  );
}

async function loadedOn(model: string): Promise<boolean | null> {
  const explained = await (await fetch(`${gateway.url}/v1/route?model=${model}`)).json();
  return explained.candidates[0]?.loaded ?? null;
}

describe("POST /v1/models/{model}/load and /unload", () => {
  test("loads a cold model on Ollama with keep_alive, and Nexus knows it is warm", async () => {
    const response = await post("/v1/models/cold:7b/load", { keep_alive: "1h" });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      model: "cold:7b",
      action: "load",
      backends: ["ollama"],
    });
    expect(ollama.mock.lifecycleCalls()).toEqual(["load cold:7b"]);
    const sent = ollama.mock.requests.filter((r) => r.path === "/api/generate").at(-1)!;
    expect(sent.body).toMatchObject({ model: "cold:7b", prompt: "", keep_alive: "1h" });
    expect(await loadedOn("cold:7b")).toBe(true);
  });

  test("a model already warm is not loaded again", async () => {
    const before = ollama.mock.lifecycleCalls().length;
    const response = await post("/v1/models/warm:7b/load");
    expect(await response.json()).toMatchObject({ backends: [], unchanged: ["ollama"] });
    expect(ollama.mock.lifecycleCalls().length).toBe(before);
  });

  test("a keep_alive for a model already warm on Ollama is sent, so it stays warm", async () => {
    const before = ollama.mock.lifecycleCalls().length;
    const response = await post("/v1/models/warm:7b/load", { keep_alive: -1 });
    expect(await response.json()).toMatchObject({ backends: ["ollama"], unchanged: [] });
    expect(ollama.mock.lifecycleCalls().slice(before)).toEqual(["load warm:7b"]);
    const sent = ollama.mock.requests.filter((r) => r.path === "/api/generate").at(-1)!;
    expect(sent.body).toMatchObject({ model: "warm:7b", prompt: "", keep_alive: -1 });
  });

  test("unloads on llama.cpp in router mode through an alias", async () => {
    await post("/v1/models/coder/load");
    expect(router.mock.lifecycleCalls()).toEqual(["load qwen-coder"]);
    const response = await post("/v1/models/coder/unload");
    expect(await response.json()).toMatchObject({ model: "qwen-coder", backends: ["router"] });
    expect(router.mock.lifecycleCalls()).toEqual(["load qwen-coder", "unload qwen-coder"]);
    expect(await loadedOn("qwen-coder")).toBe(false);
  });

  test("a server that cannot load models on request: 409 not_supported naming it", async () => {
    const response = await post("/v1/models/meta-llama/Llama-3.1-8B/load");
    expect(response.status).toBe(409);
    const { error } = await response.json();
    expect(error.code).toBe("not_supported");
    expect(error.message).toContain("vllm");
  });

  test("404 for a model no backend lists, or a backend that does not exist", async () => {
    const ghost = await post("/v1/models/ghost/load");
    expect(ghost.status).toBe(404);
    expect((await ghost.json()).error.message).toBe(
      'Model "ghost" is not listed by any healthy backend',
    );
    const onOne = await post("/v1/models/ghost/load", { backend: "ollama" });
    expect((await onOne.json()).error.message).toBe(
      'Model "ghost" is not listed by backend "ollama"',
    );
    const noBackend = await post("/v1/models/warm:7b/load", { backend: "nope" });
    expect(noBackend.status).toBe(404);
    expect((await noBackend.json()).error.param).toBe("backend");
  });

  test("the model in the path is decoded once: a '%' in a name is that name, never a 500", async () => {
    // What `nexus models load "100%"` sends (encodeURIComponent); decoding it twice threw.
    for (const [path, model] of [["100%25", "100%"], ["a%2525b", "a%25b"], ["%FF", "%FF"]]) {
      const response = await post(`/v1/models/${path}/unload`);
      expect(response.status).toBe(404);
      expect((await response.json()).error.message).toBe(
        `Model "${model}" is not listed by any healthy backend`,
      );
    }
  });

  test("400 for a body that is not a JSON object", async () => {
    const response = await gateway.gateway.fetch(
      new Request("http://nexus.test/v1/models/warm:7b/load", {
        method: "POST",
        // JSON by its content type (admin changes need it: 415 otherwise), not by its shape.
        headers: { "content-type": "application/json" },
        body: "[1]",
      }),
      { remoteAddress: "127.0.0.1" },
    );
    expect(response.status).toBe(400);
  });

  test("follows the admin rules: a remote client without the token is refused", async () => {
    const response = await post("/v1/models/cold:7b/unload", undefined, "192.168.1.50");
    expect(response.status).toBe(403);
  });
});

describe("the llama.cpp router shape for the whole fleet", () => {
  test("GET /models lists every model with status.value", async () => {
    const { data } = await (await fetch(`${gateway.url}/models`)).json();
    const status = Object.fromEntries(
      data.map((m: { id: string; status: { value: string } }) => [m.id, m.status.value]),
    );
    expect(status["gemma-3"]).toBe("loaded");
    expect(status["meta-llama/Llama-3.1-8B"]).toBe("loaded");
    expect(Object.keys(status).sort()).toEqual([
      "cold:7b",
      "gemma-3",
      "meta-llama/Llama-3.1-8B",
      "qwen-coder",
      "warm:7b",
    ]);
  });

  test("POST /models/load and /models/unload answer {success: true}", async () => {
    const loaded = await post("/models/load", { model: "qwen-coder" });
    expect(await loaded.json()).toMatchObject({ success: true, backends: ["router"] });
    const unloaded = await post("/models/unload", { model: "gemma-3" });
    expect(await unloaded.json()).toMatchObject({ success: true, backends: ["router"] });
    const { data } = await (await fetch(`${gateway.url}/models`)).json();
    expect(data.find((m: { id: string }) => m.id === "gemma-3").status.value).toBe("unloaded");
    expect((await post("/models/load", {})).status).toBe(400);
  });

  test("a body that is not a JSON object: 400 whose example is this route's body", async () => {
    const router = await post("/models/load", ["qwen-coder"]);
    expect(router.status).toBe(400);
    expect((await router.json()).error.message).toBe(
      'Request body must be a JSON object, e.g. {"model": "llama3:8b"}',
    );
    const perModel = await post("/v1/models/qwen-coder/load", "router");
    expect((await perModel.json()).error.message).toBe(
      'Request body must be a JSON object, e.g. {"backend": "gpu"}',
    );
  });
});

async function cli(argv: string[]) {
  const runtime = createFakeRuntime({ env: {} });
  const code = await runCli(runtime, [...argv, "--url", gateway.url]);
  return { code, stdout: runtime.stdoutText(), stderr: runtime.stderrText() };
}

describe("nexus models load|unload and --loaded", () => {
  test("load and unload say where it happened; --loaded lists only warm models", async () => {
    const loaded = await cli([
      "models",
      "load",
      "cold:7b",
      "--backend",
      "ollama",
      "--keep-alive",
      "5m",
    ]);
    expect(loaded).toMatchObject({ code: 0, stdout: "Loaded cold:7b on ollama\n" });
    const again = await cli(["models", "load", "warm:7b"]);
    expect(again.stdout).toBe("warm:7b is already loaded on ollama\n");
    const list = await cli(["models", "--loaded", "--json"]);
    const ids = JSON.parse(list.stdout).map((m: { id: string }) => m.id);
    expect(ids).toContain("cold:7b");
    expect(ids).not.toContain("meta-llama/Llama-3.1-8B");
    const unloaded = await cli(["models", "unload", "cold:7b"]);
    expect(unloaded).toMatchObject({ code: 0, stdout: "Unloaded cold:7b on ollama\n" });
  });

  test("a refusal is one line on stderr and exit 1", async () => {
    const result = await cli(["models", "load", "meta-llama/Llama-3.1-8B"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^error: No backend serving "meta-llama\/Llama-3\.1-8B" can load/,
    );
  });
});
