/**
 * What the dashboard knows and how it is sent: the history (recent requests, the minute series)
 * recorded for every finished request, the requests in flight while a browser watches, and when
 * each backend's status last changed. `snapshot` is a browser's first message; `deltas` says what
 * changed since the last flush (computed only while a browser is connected).
 * @module
 */
import { PRIORITIES, type Priority } from "../admission/mod.ts";
import { backendJson, listModels } from "../api/mod.ts";
import type { ExchangeEvent } from "../exchange/mod.ts";
import type { Clock } from "../lib/clock.ts";
import type { RequestRecord } from "../metrics/mod.ts";
import type { StreamEnd } from "../proxy/mod.ts";
import type { Registry, RegistryEvent } from "../registry/mod.ts";
import type { Router } from "../routing/mod.ts";
import type { AdminMode } from "./hub.ts";
import { LIVE_LIMIT, LiveRequests } from "./live.ts";
import { RECENT_SIZE, RecentRequests } from "./recent.ts";
import { MINUTES, MinuteSeries } from "./series.ts";

export interface DashboardDeps {
  readonly registry: Registry;
  readonly router: Router;
  readonly clock: Clock;
  readonly version: string;
  /** Wall-clock ms when the gateway started. */
  readonly startedAt: number;
  /** Requests waiting for a slot now, by priority. */
  readonly queueDepth: (priority: Priority) => number;
  /** `[routing]` aliases and fallbacks as configured (read at every flush: a reload may change them). */
  readonly routing: {
    readonly aliases: Readonly<Record<string, string>>;
    readonly fallbacks: Readonly<Record<string, readonly string[]>>;
  };
  /**
   * Records the requests that ended but still wait for their batch (src/metrics/late-work.ts),
   * so what a snapshot or a delta reads has every finished request.
   */
  readonly beforeRead?: () => void;
}

export class DashboardState {
  readonly live = new LiveRequests();
  readonly #recent = new RecentRequests();
  readonly #series = new MinuteSeries();
  readonly #deps: DashboardDeps;
  /** Wall ms of each backend's last status change (or of its arrival). */
  readonly #statusSince = new Map<string, number>();
  #modelsChanged = true;
  #sentSeq = 0;
  #sentFleet = "";
  #sentQueue = -1;
  #sentRouting = "";

  constructor(deps: DashboardDeps) {
    this.#deps = deps;
    const now = deps.clock.now();
    for (const backend of deps.registry.list()) this.#statusSince.set(backend.name, now);
    deps.registry.onChange((event) => this.#onRegistry(event));
    this.#sentRouting = JSON.stringify(this.#routing());
  }

  /** A finished request (the metrics observer's hook): kept whether or not a browser watches. */
  record(event: ExchangeEvent, record: RequestRecord, end: StreamEnd | undefined): void {
    const now = this.#deps.clock.now();
    this.#recent.record(event, record, end, now);
    this.#series.record(now, {
      status: event.status,
      backend: record.backend,
      ttftMs: record.ttfbMs,
      tokensOut: record.usage?.completion,
    });
    this.#series.sampleQueue(now, this.#waiting());
  }

  /** The first browser arrived (true) or the last one left (false). */
  watch(on: boolean): void {
    if (on) this.live.watch();
    else this.live.unwatch();
  }

  snapshot(admin: AdminMode) {
    this.#deps.beforeRead?.();
    const now = this.#deps.clock.now();
    const routing = this.#routing();
    return {
      version: this.#deps.version,
      started_at: this.#deps.startedAt,
      now,
      admin,
      limits: { recent: RECENT_SIZE, minutes: MINUTES, in_flight: LIVE_LIMIT },
      routing,
      fleet: this.#fleet(),
      models: this.#models(),
      requests: this.#requests(this.#recent.seq - RECENT_SIZE),
      series: this.#series.points(now),
    };
  }

  /** What changed since the last call, as [event name, data] pairs (empty: nothing). */
  deltas(): Array<[string, unknown]> {
    this.#deps.beforeRead?.();
    const out: Array<[string, unknown]> = [];
    const now = this.#deps.clock.now();
    const waiting = this.#waiting();
    this.#series.sampleQueue(now, waiting);
    const fleet = this.#fleet();
    const fleetText = JSON.stringify(fleet);
    if (fleetText !== this.#sentFleet) {
      this.#sentFleet = fleetText;
      out.push(["fleet", fleet]);
    }
    // A reload that changes aliases or fallbacks: the pointers, and the aliases in the model list.
    const routing = this.#routing();
    const routingText = JSON.stringify(routing);
    if (routingText !== this.#sentRouting) {
      this.#sentRouting = routingText;
      this.#modelsChanged = true;
      out.push(["routing", routing]);
    }
    if (this.#modelsChanged) {
      this.#modelsChanged = false;
      out.push(["models", this.#models()]);
    }
    const seq = this.#recent.seq;
    const liveChanged = this.live.takeChanged();
    if (seq !== this.#sentSeq || liveChanged || this.live.count > 0) {
      out.push(["requests", this.#requests(this.#sentSeq)]);
    }
    if (seq !== this.#sentSeq || waiting !== this.#sentQueue) {
      out.push(["series", this.#series.points(now, 2)]);
    }
    this.#sentSeq = seq;
    this.#sentQueue = waiting;
    return out;
  }

  #requests(afterSeq: number) {
    return {
      now: this.#deps.clock.now(),
      in_flight_count: this.live.count,
      in_flight: this.live.json(this.#deps.clock.monotonic()),
      completed: this.#recent.since(afterSeq),
    };
  }

  #fleet() {
    const backends = this.#deps.registry.list().map((backend) => ({
      ...backendJson(backend),
      status_since: this.#statusSince.get(backend.name) ?? null,
    }));
    const depth: Record<string, number> = {};
    for (const priority of PRIORITIES) depth[priority] = this.#deps.queueDepth(priority);
    return { backends, queue: { waiting: this.#waiting(), depth } };
  }

  /**
   * Aliases and fallback chains with each target named as a request for it resolves it: an alias
   * of `llama3.2` points at Ollama's `llama3.2:latest`, an alias of an alias at the model at the
   * end, so the page finds what points at each model it lists.
   */
  #routing() {
    const { routing, router } = this.#deps;
    const aliases: Record<string, string> = {};
    for (const name of Object.keys(routing.aliases)) aliases[name] = router.resolveModel(name);
    const fallbacks: Record<string, string[]> = {};
    for (const [primary, chain] of Object.entries(routing.fallbacks)) {
      fallbacks[primary] = chain.map((model) => router.resolveModel(model));
    }
    return { aliases, fallbacks };
  }

  #models() {
    const { registry, router, startedAt } = this.#deps;
    return listModels(registry, router, Math.floor(startedAt / 1000));
  }

  #waiting(): number {
    let waiting = 0;
    for (const priority of PRIORITIES) waiting += this.#deps.queueDepth(priority);
    return waiting;
  }

  #onRegistry(event: RegistryEvent): void {
    const name = event.backend.name;
    if (event.kind === "added" || event.kind === "status") {
      this.#statusSince.set(name, this.#deps.clock.now());
    }
    if (event.kind === "removed") this.#statusSince.delete(name);
    if (event.kind !== "slots") this.#modelsChanged = true;
  }
}
