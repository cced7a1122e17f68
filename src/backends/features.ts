/**
 * Learns which native front doors a backend serves, once, without hurting it: `POST
 * /v1/responses` with the body `{}` (no model, so no server generates anything) is answered 404
 * or 405 by a server without the Responses API and a 4xx validation error by one that has it
 * (Ollama ≥ 0.13.3, recent vLLM, LM Studio). 401/403, a 5xx, a timeout or a refused connection
 * say nothing about the route: the feature stays unknown (requests are translated, which always
 * works) and is asked again the next time the backend turns healthy.
 *
 * `FeatureProbe` asks when a backend turns healthy with a feature unknown, and again after its
 * URL or type changed (the registry forgets its features then). Each feature of `FEATURES` is
 * asked on its own (Anthropic's `/v1/messages`: messages-probe.ts), unless the config decides it.
 * @module
 */
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/logger.ts";
import type { Backend, BackendFeatures, Registry, RegistryEvent } from "../registry/mod.ts";
import { type HttpContext, requestText } from "./http.ts";
import { detectMessages } from "./messages-probe.ts";

export const RESPONSES_PROBE_PATH = "/v1/responses";

/** true served, false not served, undefined not known. */
export async function detectResponses(context: HttpContext): Promise<boolean | undefined> {
  const reply = await requestText(context, RESPONSES_PROBE_PATH, { method: "POST", json: {} });
  if (!reply.ok) return undefined;
  const status = reply.status;
  if (status === 404 || status === 405) return false;
  if (status === 401 || status === 403 || status >= 500) return undefined;
  return true;
}

/** A native front door a backend may serve, how to ask, and the config key that decides it. */
interface Feature {
  readonly name: keyof BackendFeatures;
  readonly detect: (context: HttpContext) => Promise<boolean | undefined>;
  readonly configured?: (backend: Backend) => boolean | undefined;
}

const FEATURES: readonly Feature[] = [
  { name: "responses", detect: detectResponses },
  { name: "messages", detect: detectMessages, configured: (backend) => backend.anthropic },
];

/** Where a backend was, and what it was, when its questions began. */
type Server = Pick<Backend, "url" | "type">;

export interface FeatureProbeDeps {
  readonly registry: Registry;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly fetch: HttpContext["fetch"];
  readonly apiKeyFor: (backend: Backend) => string | undefined;
  readonly timeoutMs: number;
}

export class FeatureProbe {
  readonly #deps: FeatureProbeDeps;
  readonly #running = new Map<string, Promise<void>>();
  readonly #controllers = new Set<AbortController>();
  #unsubscribe: (() => void) | undefined;

  constructor(deps: FeatureProbeDeps) {
    this.#deps = deps;
  }

  /** Probes every healthy backend not probed yet, then each one that turns healthy. */
  start(): void {
    if (this.#unsubscribe) return;
    this.#unsubscribe = this.#deps.registry.onChange((event) => this.#onChange(event));
    for (const backend of this.#deps.registry.list()) this.#consider(backend);
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    for (const controller of this.#controllers) controller.abort();
  }

  /** Resolves when every probe now running has ended (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running.values());
  }

  #onChange(event: RegistryEvent): void {
    if (event.kind === "status" || event.kind === "updated" || event.kind === "added") {
      this.#consider(event.backend);
    }
  }

  #consider(backend: Backend): void {
    if (backend.status !== "healthy") return;
    const key = `${backend.name} ${backend.type} ${backend.url}`;
    if (this.#running.has(key)) return;
    const wanted = FEATURES.filter((feature) =>
      backend.features[feature.name] === undefined && feature.configured?.(backend) === undefined
    );
    if (wanted.length === 0) return;
    const server = { url: backend.url, type: backend.type };
    const probe = this.#probeEach(backend, server, wanted).finally(() => this.#running.delete(key));
    this.#running.set(key, probe);
  }

  /**
   * One question at a time: like the health checks, feature probes hold at most one of a
   * backend's connections (llama-server serves HTTP with a few threads).
   */
  async #probeEach(backend: Backend, server: Server, features: readonly Feature[]): Promise<void> {
    for (const feature of features) {
      // Moved or retyped meanwhile: the questions about the new server are asked on their own.
      if (backend.url !== server.url || backend.type !== server.type) return;
      await this.#probe(backend, server, feature);
    }
  }

  /** Asks `server` (the backend's address and type when the questions began) about `feature`. */
  async #probe(backend: Backend, server: Server, feature: Feature): Promise<void> {
    const { clock, registry, logger } = this.#deps;
    const { name } = backend;
    const { url, type } = server;
    const controller = new AbortController();
    this.#controllers.add(controller);
    const timer = clock.setTimeout(() => controller.abort(), this.#deps.timeoutMs);
    const apiKey = this.#deps.apiKeyFor(backend);
    const served = await feature.detect({
      baseUrl: url,
      fetch: this.#deps.fetch,
      signal: controller.signal,
      ...(apiKey === undefined ? {} : { apiKey }),
    });
    clock.clearTimeout(timer);
    this.#controllers.delete(controller);
    // The answer is about the server that was asked: not one the backend has moved to since.
    if (registry.get(name) !== backend || backend.url !== url || backend.type !== type) return;
    if (served === undefined) return;
    registry.setFeatures(name, { [feature.name]: served });
    logger.debug("backend features", { backend: name, [feature.name]: served });
  }
}
