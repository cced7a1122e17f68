/**
 * When a 503 `no_capable_backend` says `x-should-retry: false`: only when no backend could ever
 * take the request as sent. A backend excluded for its state (down, asleep, breaker open) may
 * come back, so a mix with one of those stays retryable.
 */
import { describe, expect, test } from "bun:test";
import { validateConfig } from "../../../src/config/mod.ts";
import {
  type BackendStatus,
  type BackendType,
  type ModelInfo,
  Registry,
} from "../../../src/registry/mod.ts";
import {
  NO_REQUIREMENTS,
  type RouteDecision,
  Router,
  type RouteRequirements,
} from "../../../src/routing/mod.ts";
import { routingConfig } from "../../helpers/fleet.ts";

const WAKE = validateConfig({
  backends: [{ url: "http://x:1", wake: { mac: "aa:bb:cc:dd:ee:ff" } }],
}).config.backends[0]!.wake!;

interface Spec {
  readonly name: string;
  /** @default "ollama" */
  readonly type?: BackendType;
  readonly status?: BackendStatus;
  readonly capabilities?: ModelInfo["capabilities"];
  readonly context_length?: number;
  readonly wake?: boolean;
  /** The breaker opens (one failed request). */
  readonly failing?: boolean;
}

function select(specs: readonly Spec[], required: RouteRequirements): RouteDecision {
  const registry = new Registry({ breaker: { failures: 1, window: 1 } });
  for (const spec of specs) {
    const info: ModelInfo = {
      id: "m",
      capabilities: spec.capabilities ?? {},
      ...(spec.context_length === undefined ? {} : { context_length: spec.context_length }),
    };
    const backend = registry.add({
      name: spec.name,
      url: `http://${spec.name}.test:8000`,
      type: spec.type ?? "ollama",
      priority: 50,
      source: "static",
      ...(spec.wake ? { wake: WAKE } : {}),
    }, { status: spec.status ?? "healthy", models: [info] });
    if (spec.failing) {
      registry.beginRequest(backend);
      registry.endRequest(backend, "HTTP 500");
    }
  }
  return new Router(registry, routingConfig()).select("m", required);
}

function headersOf(decision: RouteDecision) {
  if (decision.ok) throw new TypeError("expected a rejection");
  expect(decision.rejection.status).toBe(503);
  return decision.rejection.headers;
}

const vision = { ...NO_REQUIREMENTS, vision: true };
const blind = { vision: false };

describe("503 no_capable_backend and x-should-retry", () => {
  test("every backend lacks what the request needs: x-should-retry: false", () => {
    const decision = select([
      { name: "a", capabilities: blind },
      { name: "b", capabilities: { ...blind, tools: false } },
    ], vision);
    expect(headersOf(decision)).toEqual({ "x-should-retry": "false" });
  });

  test("an asleep backend that lacks it too counts as lacking it", () => {
    const decision = select([
      { name: "a", capabilities: blind },
      { name: "gpu", status: "asleep", wake: true, capabilities: blind },
    ], vision);
    expect(decision.wake).toBeUndefined();
    expect(headersOf(decision)).toEqual({ "x-should-retry": "false" });
  });

  for (
    const [why, other] of [
      ["is down", { name: "down", status: "unhealthy" }],
      ["is not probed yet", { name: "new", status: "unknown" }],
      ["has its breaker open", { name: "flaky", failing: true }],
      ["is asleep", { name: "gpu", status: "asleep", wake: true }],
    ] as const
  ) {
    test(`one that could serve it ${why}: the 503 stays retryable`, () => {
      const decision = select([{ name: "a", capabilities: blind }, other], vision);
      expect(headersOf(decision)).toBeUndefined();
    });
  }

  test("lacking a capability on one backend, too short a context on the other: retrying cannot help", () => {
    const long = { ...vision, estimated_tokens: 10_000 };
    const decision = select([
      { name: "a", capabilities: blind },
      { name: "b", context_length: 4096 },
    ], long);
    expect(headersOf(decision)).toEqual({ "x-should-retry": "false" });
  });

  test("embeddings asked of a server without them and of a chat-only model: no retry either", () => {
    const embeddings = { ...NO_REQUIREMENTS, operation: "embeddings" as const };
    const decision = select([
      { name: "exo", type: "exo" },
      { name: "chat", capabilities: { embeddings: false } },
    ], embeddings);
    expect(headersOf(decision)).toEqual({ "x-should-retry": "false" });
  });
});
