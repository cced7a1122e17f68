/**
 * Changing and retiring backends in place (a config reload): `reconfigure` keeps the object
 * (counters, requests in flight) and reports what changed; a new URL must prove itself again;
 * a draining backend says when its last request has ended.
 */
import { describe, expect, test } from "bun:test";
import { Registry, type RegistryEvent } from "../../../src/registry/mod.ts";

const spec = {
  name: "gpu",
  url: "http://gpu:11434",
  type: "ollama" as const,
  priority: 50,
  source: "static" as const,
};

describe("Registry.reconfigure()", () => {
  test("same object, new settings; unset fields go; a new URL is unknown again", () => {
    const registry = new Registry();
    const backend = registry.add({ ...spec, api_key_env: "KEY", max_concurrent: 2 }, {
      status: "healthy",
    });
    registry.beginRequest(backend);
    const changed = registry.reconfigure("gpu", {
      url: "http://gpu2:11434",
      type: "ollama",
      priority: 10,
    });
    expect(changed.sort()).toEqual(["api_key_env", "max_concurrent", "priority", "url"]);
    expect(registry.get("gpu")).toBe(backend);
    expect(backend.priority).toBe(10);
    expect(backend.api_key_env).toBeUndefined();
    expect(backend.pending).toBe(1);
    expect(backend.status).toBe("unknown");
    expect(registry.findByUrl("http://gpu2:11434")).toBe(backend);
  });

  test("a priority change keeps the status; no change reports nothing", () => {
    const registry = new Registry();
    registry.add(spec, { status: "healthy" });
    expect(registry.reconfigure("gpu", { ...spec, priority: 5 })).toEqual(["priority"]);
    expect(registry.get("gpu")!.status).toBe("healthy");
    expect(registry.reconfigure("gpu", { ...spec, priority: 5 })).toEqual([]);
  });

  test("another backend's URL is a conflict, and nothing changes", () => {
    const registry = new Registry();
    registry.add(spec);
    registry.add({ ...spec, name: "other", url: "http://other:1" });
    expect(() => registry.reconfigure("gpu", { ...spec, url: "http://other:1" })).toThrow(
      /already has URL/,
    );
    expect(registry.get("gpu")!.url).toBe(spec.url);
  });
});

describe("draining", () => {
  test("a draining backend's last request ending emits drained", () => {
    const registry = new Registry();
    const backend = registry.add(spec, { status: "healthy" });
    const events: string[] = [];
    registry.onChange((event: RegistryEvent) => events.push(event.kind));
    registry.beginRequest(backend);
    registry.beginRequest(backend);
    registry.setStatus("gpu", "draining");
    registry.endRequest(backend);
    expect(events).toEqual(["status"]);
    registry.endRequest(backend);
    expect(events).toEqual(["status", "drained"]);
  });
});
