/**
 * Once the gateway's background work is stopped (the shutdown drain), nothing of it starts
 * again: not the `[[preload]]` of a start whose first health round was still running, nor what
 * a reload during the drain changes (health checks, preloads).
 */
import { describe, expect, test } from "bun:test";
import { type NexusConfig, validateConfig } from "../../src/config/mod.ts";
import { createGateway } from "../../src/gateway.ts";
import { Logger } from "../../src/lib/logger.ts";

function configWith(extra: Record<string, unknown> = {}): NexusConfig {
  return validateConfig({
    discovery: { enabled: false },
    backends: [{ name: "gpu", url: "http://gpu.test:11434", type: "ollama" }],
    preload: [{ model: "llama3:8b", on_start: true }],
    ...extra,
  }).config;
}

/** A probe that hangs until released (then fails: no server there). */
function heldProbes() {
  const held: Array<() => void> = [];
  const probeFetch = (_url: string, init: RequestInit) =>
    new Promise<Response>((_resolve, reject) => {
      const fail = () => reject(new TypeError("connection refused"));
      held.push(fail);
      init.signal?.addEventListener("abort", fail);
    });
  return { probeFetch, release: () => held.splice(0).forEach((fail) => fail()) };
}

function gatewayWith(next?: NexusConfig) {
  const lines: string[] = [];
  const probes = heldProbes();
  const gateway = createGateway({
    config: configWith(),
    env: {},
    logger: new Logger({ level: "info", format: "json", write: (line) => lines.push(line) }),
    probeFetch: probes.probeFetch,
    fetch: () => Promise.reject(new TypeError("connection refused")),
    ...(next
      ? { loadConfig: () => Promise.resolve({ config: next, path: undefined, warnings: [] }) }
      : {}),
  });
  const messages = () => lines.map((line) => JSON.parse(line).message as string);
  return { gateway, probes, messages };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe("the background work after the drain", () => {
  test("a start still in its first health round preloads nothing once drained", async () => {
    const { gateway, probes, messages } = gatewayWith();
    const starting = gateway.start();
    await settle();
    expect(await gateway.drain(1000)).toBe(true);
    probes.release();
    await starting;
    await settle();
    expect(messages().filter((m) => m.startsWith("preload"))).toEqual([]);
  });

  test("a reload during the drain starts no health checks and no preloads", async () => {
    const next = configWith({
      health_check: { interval_seconds: 7 },
      preload: [{ model: "qwen2.5:7b", on_start: true }],
    });
    const { gateway, probes, messages } = gatewayWith(next);
    const starting = gateway.start();
    await settle();
    probes.release();
    await starting;
    await settle();
    const preloadsBefore = messages().filter((m) => m.startsWith("preload")).length;
    expect(await gateway.drain(1000)).toBe(true);
    expect(gateway.health.running).toBe(false);
    const report = await gateway.reload("test");
    expect(report.ok).toBe(true);
    await settle();
    expect(gateway.health.running).toBe(false);
    expect(messages().filter((m) => m.startsWith("preload")).length).toBe(preloadsBefore);
    probes.release();
  });
});
