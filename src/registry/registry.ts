/**
 * The registry owns every backend and its live state, plus a model → backends index that is
 * rebuilt only when a backend is added or removed or its model list changes. Routing reads the
 * index synchronously; status is checked per request (it is one field read).
 * @module
 */
import { ModelIndex, sameModels } from "./model-index.ts";
import { type BreakerSettings, CircuitBreaker, sameBreakerSettings } from "./breaker.ts";
import type { CheckRecord, FleetCounts, RegistryEvent } from "./registry-events.ts";
import {
  applyChanges,
  applySettings,
  type BackendChanges,
  type BackendSettings,
  snapshotChanges,
} from "./changes.ts";
import { countByStatus, countRoutableModels } from "./fleet-counts.ts";
import { capModels, withLoaded } from "./model-lists.ts";
import { DEFAULT_LOAD_MS, nextLatencyMs, nextLoadMs } from "./moving-average.ts";
import { type InitialState, newBackend } from "./new-backend.ts";
import { checkNewBackend, checkNewUrl, findByUrl } from "./conflicts.ts";
import { DEFAULT_BREAKER, maxModelsReader, type RegistryOptions } from "./registry-options.ts";
import type {
  Backend,
  BackendFeatures,
  BackendSpec,
  BackendStatus,
  ModelInfo,
  ModelServing,
} from "./types.ts";

export class Registry {
  readonly #backends = new Map<string, Backend>();
  readonly #index = new ModelIndex();
  readonly #listeners = new Set<(event: RegistryEvent) => void>();
  /** The error each backend's last failed probe recorded, so a pass clears only its own. */
  readonly #probeErrors = new WeakMap<Backend, string>();
  #breakerSettings: BreakerSettings;
  readonly #maxModels: () => number;

  constructor(options: RegistryOptions = {}) {
    this.#breakerSettings = options.breaker ?? DEFAULT_BREAKER;
    this.#maxModels = maxModelsReader(options);
  }

  /** Adds a backend; names and URLs are unique (a clash throws RegistryConflictError). */
  add(spec: BackendSpec, initial: InitialState = {}): Backend {
    checkNewBackend(this.#backends, spec);
    const backend = newBackend(spec, initial, new CircuitBreaker(this.#breakerSettings));
    this.#backends.set(backend.name, backend);
    this.#rebuildIndex();
    this.#emit({ kind: "added", backend });
    return backend;
  }

  remove(name: string): Backend | undefined {
    const backend = this.#backends.get(name);
    if (!backend) return undefined;
    this.#backends.delete(name);
    this.#rebuildIndex();
    this.#emit({ kind: "removed", backend });
    return backend;
  }

  /**
   * Changes a backend's URL, type or metadata in place: the same object stays in the model index
   * and keeps its counters and latency, so in-flight requests still settle on it. A URL another
   * backend already has throws RegistryConflictError; an unknown name returns undefined.
   */
  update(name: string, changes: BackendChanges): Backend | undefined {
    const backend = this.#backends.get(name);
    if (!backend) return undefined;
    if (changes.url !== undefined) checkNewUrl(this.#backends.values(), backend, changes.url);
    const previous = snapshotChanges(backend);
    if (applyChanges(backend, changes)) this.#emit({ kind: "updated", backend, previous });
    return backend;
  }

  /**
   * A reload's new settings for a backend (every field the config sets; absent ones are unset),
   * in place like `update`. A new URL or type must prove itself again: the status is `unknown`
   * until the next probe. Returns the names of the fields that changed.
   */
  reconfigure(name: string, settings: BackendSettings): string[] {
    const backend = this.#backends.get(name);
    if (!backend) return [];
    checkNewUrl(this.#backends.values(), backend, settings.url);
    const previous = snapshotChanges(backend);
    const changed = applySettings(backend, settings);
    if (changed.length === 0) return changed;
    this.#emit({ kind: "updated", backend, previous });
    if (changed.includes("url") || changed.includes("type")) this.setStatus(name, "unknown");
    // Wake removed from a sleeping backend: what it is now, its next probe says.
    if (backend.status === "asleep" && backend.wake === undefined) this.setStatus(name, "unknown");
    return changed;
  }

  get(name: string): Backend | undefined {
    return this.#backends.get(name);
  }

  findByUrl(url: string): Backend | undefined {
    return findByUrl(this.#backends.values(), url);
  }

  /** Every backend, in insertion order. */
  list(): Backend[] {
    return [...this.#backends.values()];
  }

  get size(): number {
    return this.#backends.size;
  }

  /** Backends that list `model`, whatever their status (routing filters and explains). */
  backendsFor(model: string): readonly Backend[] {
    return this.#index.backendsFor(model);
  }

  /**
   * The same backends as `backendsFor`, in the same order, each with its own ModelInfo for the
   * model: routing checks capabilities and context length without searching model lists.
   */
  servingsFor(model: string): readonly ModelServing[] {
    return this.#index.servingsFor(model);
  }

  /** Every model id any backend lists, whatever its status. */
  knownModels(): IterableIterator<string> {
    return this.#index.models();
  }

  setStatus(name: string, status: BackendStatus): void {
    const backend = this.#backends.get(name);
    if (!backend || backend.status === status) return;
    const previous = backend.status;
    backend.status = status;
    this.#emit({ kind: "status", backend, previous });
  }

  /**
   * Replaces a backend's model list; the index is rebuilt only when something changed (the
   * serving index holds each model's capabilities, so a capability change counts too).
   */
  setModels(name: string, models: readonly ModelInfo[]): void {
    const backend = this.#backends.get(name);
    if (!backend) return;
    // A list past `maxModelsPerBackend` is cut: 100,000 models must not slow every routing
    // decision and every 404.
    const { kept, dropped } = capModels(models, this.#maxModels());
    if (sameModels(backend.models, kept)) return;
    backend.models = kept;
    this.#rebuildIndex();
    this.#emit({ kind: "models", backend, dropped });
  }

  /** A request is being sent to `backend`: it counts as pending until `endRequest`. */
  beginRequest(backend: Backend): void {
    backend.pending++;
    backend.requests++;
    (backend.breaker as CircuitBreaker).begin();
  }

  /**
   * The request begun on `backend` is over (answered, failed or abandoned); call exactly once per
   * `beginRequest`. A failure message counts as an error and becomes the backend's `last_error`.
   */
  endRequest(backend: Backend, failed?: string): void {
    backend.pending--;
    if (failed !== undefined) this.recordFailure(backend, failed);
    const previous = (backend.breaker as CircuitBreaker).record(failed !== undefined);
    if (previous !== undefined) this.#emit({ kind: "breaker", backend, previous });
    if (backend.pending === 0 && backend.status === "draining") {
      this.#emit({ kind: "drained", backend });
    }
  }

  /** An open breaker's cool-down ended: one trial request may go (half-open). */
  coolBreaker(name: string): void {
    const backend = this.#backends.get(name);
    if (!backend || !(backend.breaker as CircuitBreaker).cool()) return;
    this.#emit({ kind: "breaker", backend, previous: "open" });
  }

  /** `name`'s open breaker cools at `at` (Clock.monotonic ms): what a refusal says to wait for. */
  breakerCoolsAt(name: string, at: number): void {
    (this.#backends.get(name)?.breaker as CircuitBreaker | undefined)?.coolingUntil(at);
  }

  /** New breaker thresholds (a reload): every backend's window starts empty. */
  configureBreakers(settings: BreakerSettings): void {
    if (sameBreakerSettings(settings, this.#breakerSettings)) return;
    this.#breakerSettings = settings;
    for (const backend of this.#backends.values()) {
      (backend.breaker as CircuitBreaker).configure(settings);
    }
  }

  /** Something went wrong with `backend`: counted, and shown as its `last_error`. */
  recordFailure(backend: Backend, message: string): void {
    backend.errors++;
    backend.last_error = message;
  }

  /**
   * The model was just served by `backend`: it is loaded there now (servers load on demand).
   * After a cold start its time to first byte is a sample of how long loading takes there.
   */
  noteLoaded(backend: Backend, model: string, coldStartMs?: number): void {
    if (coldStartMs !== undefined) {
      const previous = backend.load_ms.get(model);
      backend.load_ms.set(model, nextLoadMs(previous, coldStartMs));
    }
    const models = withLoaded(backend.models, model, true);
    if (models) this.setModels(backend.name, models);
  }

  /** `model` was unloaded from `backend` (on request): the next request there starts cold. */
  noteUnloaded(backend: Backend, model: string): void {
    const models = withLoaded(backend.models, model, false);
    if (models) this.setModels(backend.name, models);
  }

  /** How long loading `model` on `backend` takes: learned from cold starts, else the default. */
  expectedLoadMs(backend: Backend, model: string): number {
    return backend.load_ms.get(model) ?? DEFAULT_LOAD_MS;
  }

  /** Records how many requests the server says it runs at once (a probe learned it). */
  setSlots(name: string, slots: number | undefined): void {
    const backend = this.#backends.get(name);
    if (!backend || backend.slots === slots) return;
    backend.slots = slots;
    this.#emit({ kind: "slots", backend });
  }

  /** What the backend serves natively (probed once); merged into what was known. */
  setFeatures(name: string, features: BackendFeatures): void {
    const backend = this.#backends.get(name);
    if (!backend) return;
    backend.features = { ...backend.features, ...features };
  }

  /** Feeds one latency sample (ms) into the backend's moving average. */
  recordLatency(backend: Backend, ms: number): void {
    backend.latency_ms = nextLatencyMs(backend.latency_ms, ms);
  }

  /**
   * Records one health check. A pass refreshes latency, models and version and clears the error
   * a failed probe left, but not one a request left since: a backend whose requests fail while
   * its probes pass keeps showing why in `last_error`.
   */
  recordCheck(backend: Backend, check: CheckRecord): void {
    backend.last_check = check.at;
    if (!check.ok) {
      backend.last_error = check.error;
      this.#probeErrors.set(backend, check.error);
      return;
    }
    if (backend.last_error === this.#probeErrors.get(backend)) backend.last_error = undefined;
    this.#probeErrors.delete(backend);
    if (check.version !== undefined) backend.version = check.version;
    if (check.slots !== undefined) this.setSlots(backend.name, check.slots);
    this.recordLatency(backend, check.latencyMs);
    this.setModels(backend.name, check.models);
  }

  /**
   * Notes that the backend delivered bytes for a Nexus request at `monotonicMs` (first byte and
   * every relayed stream chunk): one field write, cheap enough for the relay loop.
   */
  noteProgress(backend: Backend, monotonicMs: number): void {
    backend.last_progress = monotonicMs;
  }

  counts(): FleetCounts {
    return countByStatus(this.#backends.values());
  }

  /** Distinct model ids served by routable (healthy or busy) backends. */
  routableModelCount(): number {
    return countRoutableModels(this.#index.lists());
  }

  onChange(listener: (event: RegistryEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #rebuildIndex(): void {
    this.#index.rebuild(this.#backends.values());
  }

  #emit(event: RegistryEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}
