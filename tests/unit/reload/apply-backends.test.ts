/**
 * A reload that changes a backend in place: a `type = "auto"` backend (the default) keeps the type
 * it was detected as, and its status, when only its priority or slots change; a new URL is
 * detected again.
 */
import { describe, expect, test } from "bun:test";
import { validateConfig } from "../../../src/config/mod.ts";
import { Logger } from "../../../src/lib/logger.ts";
import { applyConfig, settingsOf } from "../../../src/reconfigure.ts";
import { type Backend, Registry } from "../../../src/registry/mod.ts";
import { diffConfig } from "../../../src/reload/mod.ts";

const load = (backend: Record<string, unknown>) =>
  validateConfig({ backends: [{ name: "gpu", ...backend }] }).config;

function setup(first: Record<string, unknown>) {
  const registry = new Registry();
  const previous = load(first);
  registry.add({ name: "gpu", source: "static", ...settingsOf(previous.backends[0]!) }, {
    status: "healthy",
    models: [{ id: "llama3", capabilities: {} }],
  });
  // What the first probe did: detected the type.
  registry.update("gpu", { type: "ollama" });
  const probed: string[] = [];
  const noop = () => {};
  const services = {
    registry,
    logger: new Logger({ level: "error", format: "json", write: noop }),
    probe: (backend: Backend) => void probed.push(backend.name),
    routing: noop,
    health: noop,
    discovery: noop,
    queue: noop,
    preload: noop,
    rebuild: noop,
    hooks: [],
  };
  const reload = (next: Record<string, unknown>) => {
    const after = load(next);
    return applyConfig(services, previous, after, diffConfig(previous, after));
  };
  return { registry, probed, reload };
}

describe("a reload that changes an auto-detected backend", () => {
  test("a new priority or max_concurrent keeps its detected type, its status, and no probe", () => {
    const { registry, probed, reload } = setup({ url: "http://gpu:11434" });
    expect(registry.get("gpu")!.type).toBe("ollama");
    const lines = reload({ url: "http://gpu:11434", priority: 10, max_concurrent: 2 });
    expect(lines).toContain("backend gpu changed: max_concurrent, priority");
    const gpu = registry.get("gpu")!;
    expect({ type: gpu.type, status: gpu.status, priority: gpu.priority }).toEqual({
      type: "ollama",
      status: "healthy",
      priority: 10,
    });
    expect(gpu.max_concurrent).toBe(2);
    expect(probed).toEqual([]);
  });

  test("a new URL is another server, maybe another kind: detected again", () => {
    const { registry, probed, reload } = setup({ url: "http://gpu:11434" });
    reload({ url: "http://gpu:8080" });
    const gpu = registry.get("gpu")!;
    expect({ type: gpu.type, status: gpu.status }).toEqual({ type: "auto", status: "unknown" });
    expect(probed).toEqual(["gpu"]);
  });
});
