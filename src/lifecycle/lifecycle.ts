/**
 * Model lifecycle across the fleet: load a model where it should be warm, unload it where it
 * should not. The backend is the one asked for, or the best one that serves the model and can
 * load on request (the router's order); each server type speaks its own API
 * (src/backends/lifecycle.ts). What Nexus knows of loaded models is updated at once, so routing
 * sees the change before the next health round.
 * @module
 */
import { changeModel, type FetchFn, LIFECYCLE_TYPES } from "../backends/mod.ts";
import type { Clock } from "../lib/clock.ts";
import { type Failure, failure } from "../lib/failures.ts";
import type { Logger } from "../lib/logger.ts";
import { type Backend, isRoutable, type ModelServing, type Registry } from "../registry/mod.ts";
import type { Router } from "../routing/mod.ts";

export interface LifecycleDeps {
  readonly registry: Registry;
  readonly router: Router;
  readonly fetch: FetchFn;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly apiKeyFor: (backend: Backend) => string | undefined;
  /** How long a load may take (a big model from disk can take minutes). */
  readonly timeoutMs: number;
}

export interface ModelChange {
  readonly model: string;
  readonly action: "load" | "unload";
  /** Backends the change was made on (none: nothing needed doing). */
  readonly backends: readonly string[];
  /** Backends that had it loaded already (load), or did not (unload). */
  readonly unchanged: readonly string[];
}

export interface ChangeOptions {
  /** The backend to act on; default: the best one (load) or every one holding it (unload). */
  readonly backend?: string;
  /** Ollama `keep_alive` for a load. */
  readonly keepAlive?: string | number;
}

export class ModelLifecycle {
  readonly #deps: LifecycleDeps;

  constructor(deps: LifecycleDeps) {
    this.#deps = deps;
  }

  async load(name: string, options: ChangeOptions = {}): Promise<ModelChange | Failure> {
    const model = this.#deps.router.resolveModel(name);
    const servings = this.#servings(name, model, options.backend);
    if (!Array.isArray(servings)) return servings;
    const warm = servings.filter((s) => s.info.loaded === true).map((s) => s.backend.name);
    if (warm.length > 0 && options.backend === undefined) {
      return await this.#keepWarm(model, servings, options.keepAlive, warm);
    }
    const target = options.backend === undefined
      ? this.#bestLoadable(model, servings)
      : servings[0]!.backend;
    if (target === undefined || !LIFECYCLE_TYPES.has(target.type)) {
      const types = [...new Set(servings.map((s) => s.backend.type))].join(", ");
      return failure(
        "not_supported",
        `No backend serving "${model}" can load models on request (${types}); Ollama, LM Studio and llama.cpp in router mode can`,
      );
    }
    const done = await this.#change(target, model, "load", options.keepAlive);
    if (done !== undefined) return done;
    this.#deps.registry.noteLoaded(target, model);
    return { model, action: "load", backends: [target.name], unchanged: warm };
  }

  /**
   * A model warm already: nothing to load, but a `keep_alive` given is sent to the Ollama
   * backends holding it (Ollama's own 5 minutes would otherwise unload it).
   */
  async #keepWarm(
    model: string,
    servings: readonly ModelServing[],
    keepAlive: string | number | undefined,
    warm: readonly string[],
  ): Promise<ModelChange | Failure> {
    const refresh = keepAlive === undefined ? [] : servings
      .filter((s) => s.info.loaded === true && s.backend.type === "ollama")
      .map((s) => s.backend);
    for (const backend of refresh) {
      const failed = await this.#change(backend, model, "load", keepAlive);
      if (failed !== undefined) return failed;
    }
    const changed = refresh.map((backend) => backend.name);
    const unchanged = warm.filter((name) => !changed.includes(name));
    return { model, action: "load", backends: changed, unchanged };
  }

  async unload(name: string, options: ChangeOptions = {}): Promise<ModelChange | Failure> {
    const model = this.#deps.router.resolveModel(name);
    const servings = this.#servings(name, model, options.backend);
    if (!Array.isArray(servings)) return servings;
    // Without a backend named: every one that holds it (or may: unknown counts).
    const holding = options.backend === undefined
      ? servings.filter((s) => s.info.loaded !== false && LIFECYCLE_TYPES.has(s.backend.type))
      : servings;
    const changed: string[] = [];
    for (const { backend } of holding) {
      const failed = await this.#change(backend, model, "unload");
      if (failed !== undefined) return failed;
      this.#deps.registry.noteUnloaded(backend, model);
      changed.push(backend.name);
    }
    const unchanged = servings.map((s) => s.backend.name).filter((n) => !changed.includes(n));
    return { model, action: "unload", backends: changed, unchanged };
  }

  /** The routable backends serving `model` (just `backend` when named), or why there are none. */
  #servings(name: string, model: string, backend?: string): ModelServing[] | Failure {
    const { registry } = this.#deps;
    if (backend !== undefined && registry.get(backend) === undefined) {
      return failure("not_found", `No backend named "${backend}"`, { param: "backend" });
    }
    const servings = registry.servingsFor(model).filter((s) =>
      isRoutable(s.backend.status) && (backend === undefined || s.backend.name === backend)
    );
    if (servings.length > 0) return [...servings];
    const where = backend === undefined ? "any healthy backend" : `backend "${backend}"`;
    const alias = name === model ? "" : ` (alias of "${model}")`;
    return failure("model_not_found", `Model "${name}"${alias} is not listed by ${where}`, {
      param: "model",
    });
  }

  /** The router's first choice among backends that can load on request. */
  #bestLoadable(model: string, servings: readonly ModelServing[]): Backend | undefined {
    const decision = this.#deps.router.select(model);
    const ordered = decision.ok ? decision.candidates.map((c) => c.backend) : [];
    const loadable = (b: Backend) => LIFECYCLE_TYPES.has(b.type);
    return ordered.find(loadable) ?? servings.map((s) => s.backend).find(loadable);
  }

  /** Asks `backend` to load or unload; a Failure when it could not. */
  async #change(
    backend: Backend,
    model: string,
    action: "load" | "unload",
    keepAlive?: string | number,
  ): Promise<Failure | undefined> {
    const { clock, logger } = this.#deps;
    const controller = new AbortController();
    const timer = clock.setTimeout(() => controller.abort(), this.#deps.timeoutMs);
    const apiKey = this.#deps.apiKeyFor(backend);
    const result = await changeModel(backend.type, {
      baseUrl: backend.url,
      fetch: this.#deps.fetch,
      signal: controller.signal,
      ...(apiKey === undefined ? {} : { apiKey }),
    }, { action, model, ...(keepAlive === undefined ? {} : { keepAlive }) });
    clock.clearTimeout(timer);
    if (result.ok) {
      logger.info(`model ${action}ed`, { model, backend: backend.name });
      return undefined;
    }
    logger.warn(`model ${action} failed`, { model, backend: backend.name, reason: result.reason });
    return failure(
      result.unsupported ? "not_supported" : "upstream_failed",
      `Backend ${backend.name} (${backend.type}): ${result.reason}`,
    );
  }
}
