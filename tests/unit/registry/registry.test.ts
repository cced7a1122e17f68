import { describe, expect, test } from "bun:test";
import { Registry, RegistryConflictError, type RegistryEvent } from "../../../src/registry/mod.ts";

const spec = (name: string, url = `http://${name}:11434`) =>
  ({ name, url, type: "ollama", priority: 50, source: "static" }) as const;
const models = (...ids: string[]) => ids.map((id) => ({ id, capabilities: {} }));

describe("Registry", () => {
  test("indexes backends by the models they serve", () => {
    const registry = new Registry();
    registry.add(spec("a"), { models: models("llama3:8b", "qwen") });
    registry.add(spec("b"), { models: models("llama3:8b") });
    expect(registry.backendsFor("llama3:8b").map((b) => b.name)).toEqual(["a", "b"]);
    expect(registry.backendsFor("qwen").map((b) => b.name)).toEqual(["a"]);
    expect(registry.backendsFor("missing")).toEqual([]);
  });

  test("rebuilds the index when a model list changes and when a backend leaves", () => {
    const registry = new Registry();
    registry.add(spec("a"), { models: models("x") });
    registry.setModels("a", models("y"));
    expect(registry.backendsFor("x")).toEqual([]);
    expect(registry.backendsFor("y").map((b) => b.name)).toEqual(["a"]);
    registry.remove("a");
    expect(registry.backendsFor("y")).toEqual([]);
    expect(registry.size).toBe(0);
  });

  test("pairs each serving backend with its own facts about the model", () => {
    const registry = new Registry();
    registry.add(spec("a"), { models: [{ id: "m", context_length: 4096, capabilities: {} }] });
    registry.add(spec("b"), { models: [{ id: "m", capabilities: { vision: true } }] });
    const servings = registry.servingsFor("m");
    expect(servings.map((s) => s.backend)).toEqual([...registry.backendsFor("m")]);
    expect(servings.map((s) => s.info.context_length)).toEqual([4096, undefined]);
    expect(registry.servingsFor("missing")).toEqual([]);
  });

  test("refreshes servings when only a model's capabilities change", () => {
    const registry = new Registry();
    registry.add(spec("a"), { models: [{ id: "m", capabilities: {} }] });
    registry.setModels("a", [{ id: "m", capabilities: { tools: false } }]);
    expect(registry.servingsFor("m")[0]!.info.capabilities).toEqual({ tools: false });
  });

  test("rejects a duplicate name or URL", () => {
    const registry = new Registry();
    registry.add(spec("a", "http://h:1"));
    expect(() => registry.add(spec("a", "http://h:2"))).toThrow(RegistryConflictError);
    expect(() => registry.add(spec("b", "http://h:1"))).toThrow(
      'Backend "a" already has URL http://h:1',
    );
  });

  test("emits events only for real changes", () => {
    const registry = new Registry();
    const events: RegistryEvent["kind"][] = [];
    registry.onChange((event) => events.push(event.kind));
    registry.add(spec("a"));
    registry.setStatus("a", "healthy");
    registry.setStatus("a", "healthy");
    registry.setModels("a", models("m"));
    registry.setModels("a", models("m"));
    registry.remove("a");
    expect(events).toEqual(["added", "status", "models", "removed"]);
  });

  test("averages latency with weight 0.2 on the newest sample", () => {
    const registry = new Registry();
    const backend = registry.add(spec("a"));
    registry.recordLatency(backend, 100);
    expect(backend.latency_ms).toBe(100);
    registry.recordLatency(backend, 200);
    expect(backend.latency_ms).toBeCloseTo(120);
  });

  test("counts backends per status and models of routable (healthy or busy) backends", () => {
    const registry = new Registry();
    registry.add(spec("a"), { status: "healthy", models: models("x", "y") });
    registry.add(spec("b"), { status: "unhealthy", models: models("z") });
    registry.add(spec("c"));
    registry.add(spec("d"), { status: "busy", models: models("w", "x") });
    expect(registry.counts()).toEqual({
      total: 4,
      healthy: 1,
      busy: 1,
      unhealthy: 1,
      unknown: 1,
      asleep: 0,
      draining: 0,
    });
    expect(registry.routableModelCount()).toBe(3);
  });

  test("a passing check clears the error of a failed probe, not that of a failed request", () => {
    const registry = new Registry();
    const backend = registry.add(spec("a"));
    const pass = { ok: true, at: 2, latencyMs: 5, models: models("m"), version: "b1" } as const;
    registry.recordCheck(backend, { ok: false, at: 1, error: "timed out" });
    expect(backend.last_error).toBe("timed out");
    registry.recordCheck(backend, pass);
    expect(backend.last_error).toBeUndefined();
    expect(backend.version).toBe("b1");
    expect(backend.last_check).toBe(2);
    // A request failed after that (the proxy's report): the next passing probe keeps it.
    backend.last_error = "HTTP 500 from the backend";
    registry.recordCheck(backend, { ...pass, at: 3 });
    expect(backend.last_error).toBe("HTTP 500 from the backend");
    expect(registry.backendsFor("m")).toEqual([backend]);
  });

  test("noteProgress() keeps the time of the backend's last delivered bytes", () => {
    const registry = new Registry();
    const backend = registry.add(spec("a"));
    expect(backend.last_progress).toBeUndefined();
    registry.noteProgress(backend, 1234.5);
    expect(backend.last_progress).toBe(1234.5);
  });

  test("update() moves a backend to a new URL in place, keeping its models and counters", () => {
    const registry = new Registry();
    const backend = registry.add(spec("a", "http://10.0.0.1:11434"), { models: models("m") });
    backend.requests = 7;
    const events: RegistryEvent[] = [];
    registry.onChange((event) => events.push(event));
    const updated = registry.update("a", {
      url: "http://10.0.0.2:11434",
      type: "generic",
      metadata: { version: "0.5.7" },
    });
    expect(updated).toBe(backend);
    expect(backend).toMatchObject({
      url: "http://10.0.0.2:11434",
      type: "generic",
      metadata: { version: "0.5.7" },
      requests: 7,
    });
    expect(registry.backendsFor("m")).toEqual([backend]);
    expect(registry.findByUrl("http://10.0.0.1:11434")).toBeUndefined();
    expect(registry.findByUrl("http://10.0.0.2:11434")).toBe(backend);
    expect(events).toEqual([{
      kind: "updated",
      backend,
      previous: { url: "http://10.0.0.1:11434", type: "ollama" },
    }]);
  });

  test("update() emits nothing when nothing changes, and refuses another backend's URL", () => {
    const registry = new Registry();
    registry.add(spec("a", "http://h:1"));
    registry.add(spec("b", "http://h:2"));
    const events: RegistryEvent["kind"][] = [];
    registry.onChange((event) => events.push(event.kind));
    registry.update("a", { url: "http://h:1", type: "ollama" });
    expect(events).toEqual([]);
    expect(() => registry.update("a", { url: "http://h:2" })).toThrow(
      'Backend "b" already has URL http://h:2',
    );
    expect(registry.get("a")!.url).toBe("http://h:1");
    expect(registry.update("missing", { url: "http://h:3" })).toBeUndefined();
  });
});
