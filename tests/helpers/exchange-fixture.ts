/**
 * The exchange pipeline in memory, for unit tests: one endpoint's handler over a registry of
 * healthy backends, a router, a scripted upstream and a fake clock — no sockets, no sleeps.
 */
import { Admission } from "../../src/admission/mod.ts";
import { validateConfig } from "../../src/config/mod.ts";
import { chatEndpoint, type Endpoint } from "../../src/dialects/mod.ts";
import {
  createExchangeHandler,
  type ExchangeEvent,
  type ExchangeWatch,
  InFlight,
} from "../../src/exchange/mod.ts";
import { type Backend, Registry } from "../../src/registry/mod.ts";
import { Router } from "../../src/routing/mod.ts";
import { FakeClock } from "./fake-clock.ts";
import { ScriptedFetch } from "./scripted-fetch.ts";

export interface ExchangeFixture {
  readonly clock: FakeClock;
  readonly upstream: ScriptedFetch;
  readonly registry: Registry;
  readonly backends: Backend[];
  readonly events: ExchangeEvent[];
  readonly inflight: InFlight;
  /** Sends a request through the pipeline (not awaited: the clock may need to move first). */
  send(body: unknown, init?: { signal?: AbortSignal; headers?: Record<string, string> }): Promise<
    Response
  >;
}

export function exchangeFixture(options: {
  backends: readonly string[];
  model?: string;
  server?: Record<string, unknown>;
  routing?: Record<string, unknown>;
  endpoint?: Endpoint;
  /** A dashboard watching requests in flight (src/ui). */
  watch?: ExchangeWatch;
  /** The answer to an error no step expected (the API's 500, src/api/app.ts). */
  unhandled?: (error: unknown, request: Request) => Response;
}): ExchangeFixture {
  const { config } = validateConfig({
    server: options.server ?? {},
    routing: options.routing ?? {},
  });
  const clock = new FakeClock();
  const upstream = new ScriptedFetch();
  const registry = new Registry();
  const model = options.model ?? "m";
  const backends = options.backends.map((name, i) =>
    registry.add({
      name,
      url: `http://${name}.test:8000`,
      type: "vllm",
      priority: 10 + i,
      source: "static",
    }, { status: "healthy", models: [{ id: model, capabilities: {} }] })
  );
  const events: ExchangeEvent[] = [];
  const inflight = new InFlight();
  const handle = createExchangeHandler(options.endpoint ?? chatEndpoint, {
    router: new Router(registry, config.routing),
    clock,
    maxBodyBytes: config.server.max_body_bytes,
    bodyTimeoutMs: config.server.body_timeout_seconds * 1000,
    retryAfterSeconds: 30,
    inflight,
    observe: (event) => events.push(event),
    ...(options.watch ? { watch: options.watch } : {}),
    ...(options.unhandled ? { unhandled: options.unhandled } : {}),
    proxy: {
      admission: new Admission({ registry, clock, config: config.queue }),
      fetch: upstream.fetch,
      clock,
      registry,
      server: config.server,
      maxRetries: config.routing.max_retries,
      apiKeyFor: () => undefined,
    },
  });
  return {
    clock,
    upstream,
    registry,
    backends,
    events,
    inflight,
    send(body, init = {}) {
      return handle(
        new Request("http://nexus.test/v1/chat/completions", {
          method: "POST",
          headers: { "content-type": "application/json", ...init.headers },
          body: typeof body === "string" ? body : JSON.stringify(body),
          ...(init.signal ? { signal: init.signal } : {}),
        }),
      );
    },
  };
}
