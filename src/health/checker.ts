/**
 * The health checker: probes every backend on an interval, concurrently, each probe under its
 * own deadline, so one hung backend never delays another's check. A backend whose previous probe
 * is still running is skipped for that round rather than probed twice. Each success refreshes
 * the backend's models, capabilities and latency; status changes are logged once per transition.
 * A probe decides only the address it probed: one that ends after its backend moved (mDNS
 * address change) or was suspended (lost by discovery) changes nothing.
 * @module
 */
import { adapterFor, type FetchFn } from "../backends/mod.ts";
import type { NexusConfig } from "../config/mod.ts";
import type { Clock, TimerHandle } from "../lib/clock.ts";
import type { Logger } from "../lib/logger.ts";
import type { Backend, Registry } from "../registry/mod.ts";
import { type CheckResult, type HealthState, INITIAL_STATE, transition } from "./state.ts";

export interface HealthCheckerDeps {
  readonly registry: Registry;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly fetch: FetchFn;
  readonly config: NexusConfig["health_check"];
  readonly apiKeyFor: (backend: Backend) => string | undefined;
  /** Called after every check (metrics). */
  readonly onCheck?: (backend: Backend, result: CheckResult, latencyMs: number) => void;
  /**
   * Backends not to probe for now: discovery holds a vanished backend `unknown` for its grace
   * period, and a successful probe would make it routable again before it reappears.
   */
  readonly isSuspended?: (backend: Backend) => boolean;
}

export class HealthChecker {
  readonly #deps: HealthCheckerDeps;
  readonly #states = new Map<string, HealthState>();
  readonly #inFlight = new Map<string, Promise<void>>();
  #timer: TimerHandle | undefined;
  #stopped = true;
  #unsubscribe: (() => void) | undefined;

  constructor(deps: HealthCheckerDeps) {
    this.#deps = deps;
  }

  /** Runs the first round now and schedules the next ones; resolves when the first round ends. */
  start(): Promise<void> {
    this.#stopped = false;
    this.#unsubscribe = this.#deps.registry.onChange((event) => {
      if (event.kind === "removed") this.#states.delete(event.backend.name);
    });
    const first = this.runRound();
    this.#schedule();
    return first;
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#deps.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#unsubscribe?.();
  }

  /** Checks every backend concurrently; resolves when all of this round's probes have ended. */
  runRound(): Promise<void> {
    const backends = this.#deps.registry.list().filter((b) => !this.#deps.isSuspended?.(b));
    return Promise.all(backends.map((backend) => this.check(backend))).then(() => {});
  }

  /** Checks one backend now (or joins the probe already running for it, same URL and type). */
  check(backend: Backend): Promise<void> {
    const key = `${backend.name} ${backend.type} ${backend.url}`;
    const running = this.#inFlight.get(key);
    if (running) return running;
    const probe = this.#probe(backend).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, probe);
    return probe;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = this.#deps.clock.setTimeout(() => {
      void this.runRound();
      this.#schedule();
    }, this.#deps.config.interval_seconds * 1000);
  }

  async #probe(backend: Backend): Promise<void> {
    const { clock, registry, config } = this.#deps;
    const controller = new AbortController();
    const timer = clock.setTimeout(() => controller.abort(), config.timeout_seconds * 1000);
    const started = clock.monotonic();
    const apiKey = this.#deps.apiKeyFor(backend);
    const { url, type } = backend;
    const result = await adapterFor(type).probe({
      baseUrl: url,
      fetch: this.#deps.fetch,
      signal: controller.signal,
      previousModels: backend.models,
      ...(apiKey === undefined ? {} : { apiKey }),
    });
    clock.clearTimeout(timer);
    const latencyMs = clock.monotonic() - started;
    // The backend may have been removed, moved or suspended while its probe ran.
    if (registry.get(backend.name) !== backend || backend.url !== url || backend.type !== type) {
      return;
    }
    if (this.#deps.isSuspended?.(backend)) return;

    const outcome: CheckResult = result.ok ? "success" : result.notReady ? "not_ready" : "failure";
    const stored = this.#states.get(backend.name);
    // A status set elsewhere (discovery marks a vanished backend unknown) restarts the streaks
    // from that status; the stored streaks belong to the backend as it was.
    const previous = stored?.status === backend.status
      ? stored
      : { ...INITIAL_STATE, status: backend.status };
    const next = transition(previous, outcome, config);
    this.#states.set(backend.name, next);
    backend.last_check = clock.now();
    if (result.ok) {
      backend.last_error = undefined;
      registry.recordLatency(backend, latencyMs);
      registry.setModels(backend.name, result.models);
    } else {
      backend.last_error = result.reason;
    }
    if (next.status !== backend.status) {
      const fields = { backend: backend.name, from: backend.status, to: next.status };
      if (next.status === "healthy") {
        this.#deps.logger.info("backend healthy", { ...fields, models: backend.models.length });
      } else {this.#deps.logger.warn(`backend ${next.status}`, {
          ...fields,
          reason: result.ok ? undefined : result.reason,
        });}
      registry.setStatus(backend.name, next.status);
    }
    this.#deps.onCheck?.(backend, outcome, latencyMs);
  }
}
