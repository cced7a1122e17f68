/**
 * Model lifecycle: load and unload models on backends that can (Ollama, LM Studio, llama.cpp in
 * router mode), on request and on a schedule (`[[preload]]`).
 *
 * ```ts
 * const lifecycle = new ModelLifecycle({ registry, router, fetch, clock, logger, apiKeyFor, timeoutMs });
 * await lifecycle.load("llama3:8b", { keepAlive: "1h" });
 * ```
 * @module
 */
export {
  type ChangeOptions,
  type LifecycleDeps,
  type ModelChange,
  ModelLifecycle,
} from "./lifecycle.ts";
export { type PreloadEntry, Preloader } from "./preload.ts";
