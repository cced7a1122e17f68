/**
 * Learns which native front doors a backend serves, once, without hurting it: `POST
 * /v1/responses` with the body `{}` (no model, so no server generates anything) is answered 404
 * or 405 by a server without the Responses API and a 4xx validation error by one that has it
 * (Ollama ≥ 0.13.3, recent vLLM, LM Studio). 401/403, a 5xx, a timeout or a refused connection
 * say nothing about the route: the feature stays unknown (requests are translated, which always
 * works) and is asked again the next time the backend turns healthy.
 *
 * `FeatureProbe` asks when a backend turns healthy with the feature unknown, and again after its
 * URL or type changed (the registry forgets its features then).
 * @module
 */
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/logger.ts";
import type { Backend, Registry, RegistryEvent } from "../registry/mod.ts";
import { type HttpContext, requestText } from "./http.ts";

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
    if (backend.status !== "healthy" || backend.features.responses !== undefined) return;
    const key = `${backend.name} ${backend.type} ${backend.url}`;
    if (this.#running.has(key)) return;
    const probe = this.#probe(backend).finally(() => this.#running.delete(key));
    this.#running.set(key, probe);
  }

  async #probe(backend: Backend): Promise<void> {
    const { clock, registry, logger } = this.#deps;
    const { name, url, type } = backend;
    const controller = new AbortController();
    this.#controllers.add(controller);
    const timer = clock.setTimeout(() => controller.abort(), this.#deps.timeoutMs);
    const apiKey = this.#deps.apiKeyFor(backend);
    const served = await detectResponses({
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
    registry.setFeatures(name, { responses: served });
    logger.debug("backend features", { backend: name, responses: served });
  }
}
