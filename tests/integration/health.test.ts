/**
 * Health checks against mock servers of each type: capabilities and context lengths are found,
 * thresholds are exact, models leave and rejoin /v1/models, and one hung backend never delays
 * the others. Probe rounds are run explicitly and deadlines driven by a fake clock: no sleeps.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createMockUpstream } from "../mock/mod.ts";
import { runCli } from "../../src/cli/mod.ts";
import { loadRuntime } from "../../src/runtime/mod.ts";
import { createFakeRuntime } from "../helpers/fake-runtime.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type MockBackend, startMockBackend, waitFor } from "../helpers/mock-backend.ts";

const VLLM_PATHS = ["/health", "/v1/models", "/version"];
let ollama: MockBackend;
let vllm: MockBackend;
let llamacpp: MockBackend;
let lmstudio: MockBackend;
let gateway: RunningGateway;
let clock: FakeClock;

beforeAll(async () => {
  ollama = await startMockBackend({
    flavor: "ollama",
    models: [
      { id: "llama3.1:8b", context_length: 131072, capabilities: ["completion", "tools"] },
      { id: "llava:7b", context_length: 4096, capabilities: ["completion", "vision"] },
    ],
  });
  vllm = await startMockBackend({
    flavor: "vllm",
    models: [{ id: "Qwen/Qwen2.5-7B-Instruct", context_length: 32768 }],
  });
  llamacpp = await startMockBackend({
    flavor: "llamacpp",
    models: [{ id: "phi-3.gguf", context_length: 4096 }],
  });
  lmstudio = await startMockBackend({
    flavor: "lmstudio",
    models: [{ id: "qwen2-vl-7b-instruct", context_length: 32768, type: "vlm" }],
  });
  clock = new FakeClock();
  gateway = await startGateway([
    { name: "ollama", url: ollama.url, type: "ollama" },
    { name: "vllm", url: vllm.url, type: "vllm" },
    { name: "llamacpp", url: llamacpp.url, type: "llamacpp" },
    { name: "lmstudio", url: lmstudio.url, type: "lmstudio" },
  ], {
    health_check: {
      failure_threshold: 3,
      recovery_threshold: 2,
      timeout_seconds: 5,
      interval_seconds: 30,
    },
  }, { clock });
});

afterAll(async () => {
  gateway.gateway.stop();
  await gateway.close();
  for (const mock of [ollama, vllm, llamacpp, lmstudio]) await mock.close();
});

const status = (name: string) => gateway.gateway.registry.get(name)!.status;
const round = () => gateway.gateway.health.runRound();
const modelIds = async () =>
  ((await (await fetch(`${gateway.url}/v1/models`)).json()).data as Array<{ id: string }>).map((
    m,
  ) => m.id);

describe("a backend process that stops and comes back on the same port", () => {
  test("is unhealthy after exactly failure_threshold checks and healthy again after recovery_threshold", async () => {
    const runtime = await loadRuntime();
    const upstream = createMockUpstream({ flavor: "vllm", models: [{ id: "phoenix" }] });
    let server = await runtime.serve(upstream.fetch, { hostname: "127.0.0.1", port: 0 });
    const port = server.port;
    const gw = await startGateway(
      [{ name: "phoenix", url: `http://127.0.0.1:${port}`, type: "vllm" }],
      { health_check: { failure_threshold: 3, recovery_threshold: 2 } },
    );
    try {
      const check = () => gw.gateway.health.runRound();
      const statusOf = () => gw.gateway.registry.get("phoenix")!.status;
      await check();
      expect(statusOf()).toBe("healthy");
      await server.stop(true);
      await check();
      await check();
      expect(statusOf()).toBe("healthy");
      await check();
      expect(statusOf()).toBe("unhealthy");
      expect(gw.gateway.registry.get("phoenix")!.last_error).toBe("connection refused");
      server = await runtime.serve(upstream.fetch, { hostname: "127.0.0.1", port });
      await check();
      expect(statusOf()).toBe("unhealthy");
      await check();
      expect(statusOf()).toBe("healthy");
    } finally {
      gw.gateway.stop();
      await gw.close();
      upstream.shutdown();
      await server.stop(true);
    }
  });
});

describe("health checks", () => {
  test("before the first round every backend is unknown and nothing is routable", async () => {
    expect(["ollama", "vllm", "llamacpp", "lmstudio"].map(status)).toEqual([
      "unknown",
      "unknown",
      "unknown",
      "unknown",
    ]);
    expect(await modelIds()).toEqual([]);
  });

  test("the first round finds every backend's models, context lengths and capabilities", async () => {
    await round();
    expect(["ollama", "vllm", "llamacpp", "lmstudio"].map(status)).toEqual([
      "healthy",
      "healthy",
      "healthy",
      "healthy",
    ]);
    const runtime = createFakeRuntime();
    expect(await runCli(runtime, ["models", "--json", "--url", gateway.url])).toBe(0);
    const models = JSON.parse(runtime.stdoutText()) as Array<Record<string, unknown>>;
    const byId = Object.fromEntries(models.map((m) => [m.id, m]));
    expect(byId["llama3.1:8b"]).toMatchObject({
      backends: ["ollama"],
      context_length: 131072,
      capabilities: { tools: true, vision: false },
    });
    expect(byId["llava:7b"]).toMatchObject({
      context_length: 4096,
      capabilities: { vision: true },
    });
    expect(byId["Qwen/Qwen2.5-7B-Instruct"]).toMatchObject({
      backends: ["vllm"],
      context_length: 32768,
    });
    expect(byId["phi-3.gguf"]).toMatchObject({ backends: ["llamacpp"], context_length: 4096 });
    expect(byId["qwen2-vl-7b-instruct"]).toMatchObject({
      backends: ["lmstudio"],
      context_length: 32768,
      capabilities: { vision: true },
    });
    const backend = gateway.gateway.registry.get("vllm")!;
    expect(backend.last_check).toBe(clock.now());
    expect(backend.latency_ms).toBeDefined();
  });

  test("a backend turns unhealthy after exactly failure_threshold failed checks, and its models leave", async () => {
    vllm.mock.setFault({ kind: "status", status: 500, paths: VLLM_PATHS });
    await round();
    expect(status("vllm")).toBe("healthy");
    await round();
    expect(status("vllm")).toBe("healthy");
    await round();
    expect(status("vllm")).toBe("unhealthy");
    expect(gateway.gateway.registry.get("vllm")!.last_error).toContain("500");
    expect(await modelIds()).not.toContain("Qwen/Qwen2.5-7B-Instruct");
    expect(gateway.logs.filter((l) => l.includes('"backend unhealthy"') && l.includes('"vllm"')))
      .toHaveLength(1);
  });

  test("it comes back after exactly recovery_threshold successful checks, and its models rejoin", async () => {
    vllm.mock.setFault({ kind: "none" });
    await round();
    expect(status("vllm")).toBe("unhealthy");
    await round();
    expect(status("vllm")).toBe("healthy");
    expect(await modelIds()).toContain("Qwen/Qwen2.5-7B-Instruct");
  });

  test("a change in a backend's model list reaches /v1/models at the next check", async () => {
    vllm.mock.setModels([{ id: "meta-llama/Llama-3.1-8B-Instruct", context_length: 8192 }]);
    await round();
    const ids = await modelIds();
    expect(ids).toContain("meta-llama/Llama-3.1-8B-Instruct");
    expect(ids).not.toContain("Qwen/Qwen2.5-7B-Instruct");
  });

  test("a llama.cpp server loading its model is neither a success nor a failure", async () => {
    llamacpp.mock.setFault({ kind: "loading" });
    for (let i = 0; i < 4; i++) await round();
    expect(status("llamacpp")).toBe("healthy");
    expect(gateway.gateway.registry.get("llamacpp")!.last_error).toBe("loading model");
    llamacpp.mock.setFault({ kind: "none" });
    await round();
    expect(gateway.gateway.registry.get("llamacpp")!.last_error).toBeUndefined();
  });

  test("a hung backend never delays the others' checks; its own probe ends at the timeout", async () => {
    ollama.mock.setFault({ kind: "hang-before-headers", paths: ["/api/version", "/api/tags"] });
    const before = gateway.gateway.registry.get("vllm")!.last_check;
    clock.advance(1000);
    const hung = gateway.gateway.health.check(gateway.gateway.registry.get("ollama")!);
    await Promise.all(
      ["vllm", "llamacpp", "lmstudio"].map((name) =>
        gateway.gateway.health.check(gateway.gateway.registry.get(name)!)
      ),
    );
    for (const name of ["vllm", "llamacpp", "lmstudio"]) {
      expect(gateway.gateway.registry.get(name)!.last_check).toBeGreaterThan(before!);
    }
    let settled = false;
    void hung.then(() => (settled = true));
    await waitFor(
      () =>
        ollama.mock.requests.some((r) => r.path === "/api/version" && r.abortedAt === undefined),
      "the hung probe to reach ollama",
    );
    expect(settled).toBe(false);
    clock.advance(5000);
    await hung;
    expect(gateway.gateway.registry.get("ollama")!.last_error).toBe("timed out");
    ollama.mock.setFault({ kind: "none" });
  });
});
