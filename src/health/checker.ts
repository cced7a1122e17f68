/**
 * The health checker: probes every backend on an interval, concurrently, each probe under its
 * own deadline, so one hung backend never delays another's check. A backend whose previous probe
 * is still running is skipped for that round rather than probed twice. Each success refreshes
 * the backend's models, capabilities, version and latency; status changes are logged once per
 * transition. A probe decides only the address it probed: one that ends after its backend moved
 * (mDNS address change) or was suspended (lost by discovery) changes nothing.
 *
 * A backend of type `auto` is first asked what it is (detect.ts); the type found replaces `auto`.
 * A probe that times out while the backend delivers bytes for Nexus requests means `busy`, not
 * a failure (state.ts). Probes of one backend never overlap, and the adapters ask one thing at a
 * time over connections that close after each answer (backends/http.ts).
 * @module
 */
import {
  adapterFor,
  detectBackend,
  type DetectionRefused,
  type FetchFn,
  type ProbeResult,
  TIMED_OUT,
} from "../backends/mod.ts";
import type { NexusConfig } from "../config/mod.ts";
import type { Clock, TimerHandle } from "../lib/clock.ts";
import type { Logger } from "../lib/logger.ts";
import type { Backend, BackendType, BackendTypeSetting, Registry } from "../registry/mod.ts";
import { RequestFailureWatch } from "./request-failures.ts";
import { type CheckResult, type HealthState, INITIAL_STATE, transition } from "./state.ts";

export interface HealthCheckerDeps {
  readonly registry: Registry;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The probes' fetch: one that closes every connection after its answer (Runtime.probeFetch). */
  readonly fetch: FetchFn;
  readonly config: HealthSettings;
  readonly apiKeyFor: (backend: Backend) => string | undefined;
  /** Called after every check (metrics). */
  readonly onCheck?: (backend: Backend, result: CheckResult, latencyMs: number) => void;
  /**
   * Backends not to probe for now: discovery holds a vanished backend `unknown` for its grace
   * period, and a successful probe would make it routable again before it reappears.
   */
  readonly isSuspended?: (backend: Backend) => boolean;
}

/** What a step under the probe deadline found, whether the deadline cut it short, how long. */
interface Timed<T> {
  readonly value: T;
  readonly timedOut: boolean;
  readonly latencyMs: number;
}

type Probed = Timed<ProbeResult>;

/** What a probe or detection step is given: base URL, fetch, deadline signal, API key. */
type StepContext = Parameters<typeof detectBackend>[0];

export const NO_LLM_SERVER = "no LLM server answered (type detection)";

/** A server that refused type detection for want of a key: what it said, and what to do. */
export function noKeyReason(refusal: DetectionRefused): string {
  return `${refusal.refused} (type detection): the server wants an API key (api_key_env)`;
}

/** The `[health_check]` settings the checker reads (a reload may replace them: `configure`). */
export type HealthSettings = Pick<
  NexusConfig["health_check"],
  "interval_seconds" | "timeout_seconds" | "failure_threshold" | "recovery_threshold"
>;

export class HealthChecker {
  readonly #deps: HealthCheckerDeps;
  readonly #states = new Map<string, HealthState>();
  readonly #inFlight = new Map<string, Promise<void>>();
  readonly #requestFailures: RequestFailureWatch;
  #config: HealthSettings;
  #timer: TimerHandle | undefined;
  #stopped = true;
  #unsubscribe: (() => void) | undefined;

  constructor(deps: HealthCheckerDeps) {
    this.#deps = deps;
    this.#config = deps.config;
    this.#requestFailures = new RequestFailureWatch(deps.logger);
  }

  /** New settings (a reload): deadlines and thresholds apply from the next probe; a new interval now. */
  configure(config: HealthSettings): void {
    const interval = this.#config.interval_seconds;
    this.#config = config;
    if (this.#stopped || interval === config.interval_seconds) return;
    if (this.#timer !== undefined) this.#deps.clock.clearTimeout(this.#timer);
    this.#schedule();
  }

  /** Whether rounds run on their interval (`start` until `stop`). */
  get running(): boolean {
    return !this.#stopped;
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
    // A draining backend (removed by a reload) only finishes its requests: nothing to learn.
    const backends = this.#deps.registry.list().filter((b) =>
      b.status !== "draining" && !this.#deps.isSuspended?.(b)
    );
    return Promise.all(backends.map((backend) => this.check(backend))).then(() => {});
  }

  /** Checks one backend now (or joins the probe already running for it, same URL and type). */
  check(backend: Backend): Promise<void> {
    const key = `${backend.name} ${backend.type} ${backend.url}`;
    const running = this.#inFlight.get(key);
    if (running) return running;
    const probe = this.#check(backend).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, probe);
    return probe;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = this.#deps.clock.setTimeout(() => {
      void this.runRound();
      this.#schedule();
    }, this.#config.interval_seconds * 1000);
  }

  async #check(backend: Backend): Promise<void> {
    const { url } = backend;
    let type = backend.type;
    let probed: Probed | undefined;
    if (type === "auto") {
      const detection = await this.#underDeadline(backend, detectBackend);
      if (this.#isStale(backend, url, type)) return;
      if (detection.value === undefined || typeof detection.value === "object") {
        const reason = detection.timedOut
          ? TIMED_OUT
          : detection.value === undefined
          ? NO_LLM_SERVER
          : noKeyReason(detection.value);
        probed = { ...detection, value: { ok: false, reason } };
      } else {
        type = detection.value;
        this.#deps.registry.update(backend.name, { type });
        this.#deps.logger.info("backend type detected", { backend: backend.name, type });
      }
    }
    // Detection only names the type: the probe of that type says the rest, at once.
    probed ??= await this.#underDeadline(
      backend,
      (context) =>
        adapterFor(type as BackendType).probe({ ...context, previousModels: backend.models }),
    );
    if (this.#isStale(backend, url, type)) return;
    this.#record(backend, probed);
  }

  /** The backend was removed, moved, retyped or suspended while its probe ran. */
  #isStale(backend: Backend, url: string, type: BackendTypeSetting): boolean {
    return this.#deps.registry.get(backend.name) !== backend || backend.url !== url ||
      backend.type !== type || this.#deps.isSuspended?.(backend) === true ||
      backend.status === "draining";
  }

  /** Runs `run` under the probe deadline (`timeout_seconds`), timing it. */
  async #underDeadline<T>(
    backend: Backend,
    run: (context: StepContext) => Promise<T>,
  ): Promise<Timed<T>> {
    const { clock } = this.#deps;
    const config = this.#config;
    const controller = new AbortController();
    const timer = clock.setTimeout(() => controller.abort(), config.timeout_seconds * 1000);
    const started = clock.monotonic();
    const apiKey = this.#deps.apiKeyFor(backend);
    const value = await run({
      baseUrl: backend.url,
      fetch: this.#deps.fetch,
      signal: controller.signal,
      ...(apiKey === undefined ? {} : { apiKey }),
    });
    clock.clearTimeout(timer);
    return { value, timedOut: controller.signal.aborted, latencyMs: clock.monotonic() - started };
  }

  #record(backend: Backend, { value: result, timedOut, latencyMs }: Probed): void {
    const { clock, registry } = this.#deps;
    const outcome: CheckResult = result.ok
      ? "success"
      : result.notReady
      ? "not_ready"
      : timedOut && this.#isMakingProgress(backend)
      ? "busy"
      : "failure";
    const stored = this.#states.get(backend.name);
    // A status set elsewhere (discovery marks a vanished backend unknown) restarts the streaks
    // from that status; the stored streaks belong to the backend as it was.
    const previous = stored?.status === backend.status
      ? stored
      : { ...INITIAL_STATE, status: backend.status };
    const next = transition(previous, outcome, this.#config, backend.wake !== undefined);
    this.#states.set(backend.name, next);
    const at = clock.now();
    registry.recordCheck(
      backend,
      result.ok
        ? {
          ok: true,
          at,
          latencyMs,
          models: result.models,
          version: result.version,
          slots: result.slots,
        }
        : { ok: false, at, error: result.reason },
    );
    this.#requestFailures.afterCheck(backend, result.ok);
    if (next.status !== backend.status) this.#logTransition(backend, next, result);
    registry.setStatus(backend.name, next.status);
    this.#deps.onCheck?.(backend, outcome, latencyMs);
  }

  /**
   * Traffic is evidence: bytes delivered for a Nexus request since the previous probe began
   * (one interval, plus this probe's own deadline) mean the backend works, only slowly.
   */
  #isMakingProgress(backend: Backend): boolean {
    const { clock } = this.#deps;
    const config = this.#config;
    const window = (config.interval_seconds + config.timeout_seconds) * 1000;
    return backend.last_progress !== undefined &&
      clock.monotonic() - backend.last_progress <= window;
  }

  #logTransition(backend: Backend, next: HealthState, result: ProbeResult): void {
    const { logger } = this.#deps;
    const fields = { backend: backend.name, from: backend.status, to: next.status };
    if (next.status === "healthy") {
      logger.info("backend healthy", {
        ...fields,
        type: backend.type,
        version: backend.version,
        models: backend.models.length,
      });
    } else if (next.status === "asleep") {
      logger.info("backend asleep", {
        ...fields,
        reason: result.ok ? undefined : result.reason,
        wake: "a request for its models wakes it",
      });
    } else if (next.status === "busy") {
      logger.info("backend busy", {
        ...fields,
        reason: "probe timed out while serving Nexus requests",
        pending: backend.pending,
      });
    } else {
      logger.warn(`backend ${next.status}`, {
        ...fields,
        reason: result.ok ? undefined : result.reason,
      });
    }
  }
}
