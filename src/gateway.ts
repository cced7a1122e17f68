/**
 * The composition root: builds the registry from the config, the router, the proxy and the
 * HTTP app, and owns the background work (health checks, discovery) of a running gateway.
 * `nexus serve` and the tests both start Nexus through here.
 * @module
 */
import type { Hono } from "hono";
import { type AppParts, createGatewayApp } from "./gateway-app.ts";
import { InFlight } from "./exchange/mod.ts";
import { Admission } from "./admission/mod.ts";
import { ModelLifecycle, Preloader } from "./lifecycle/mod.ts";
import { withDeadline } from "./lib/async.ts";
import { detectBackendType, FeatureProbe, type FetchFn } from "./backends/mod.ts";
import { Discovery, type OpenMulticast } from "./discovery/mod.ts";
import { BreakerCooldowns, HealthChecker } from "./health/mod.ts";
import type { BackendType, LoadedConfig, NexusConfig } from "./config/mod.ts";
import { type Clock, systemClock } from "./lib/clock.ts";
import { failure } from "./lib/failures.ts";
import type { Logger } from "./lib/logger.ts";
import { createObservability, type Observability } from "./metrics/mod.ts";
import { type Backend, Registry } from "./registry/mod.ts";
import { Router } from "./routing/mod.ts";
import { Reloader, type ReloadReport } from "./reload/mod.ts";
import { applyConfig, effectiveConfig } from "./reconfigure.ts";
import type { StateFile } from "./statefile/mod.ts";
import { Dashboard } from "./ui/mod.ts";
import { Waker } from "./wake/mod.ts";
import type { ConnInfo, MulticastOptions, TcpProbeResult } from "./runtime/mod.ts";
import { VERSION } from "./version.ts";

export interface GatewayOptions {
  readonly config: Readonly<NexusConfig>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** The fetch used for every upstream request (the runtime's; tests may inject one). */
  readonly fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /**
   * The fetch of health probes and type detection: it must close each connection after its
   * answer (the runtime's `probeFetch`). Defaults to `fetch`, whose probes still send
   * `Connection: close`.
   */
  readonly probeFetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** Raw TCP probe for the connect deadline (the runtime's); without it only first-byte applies. */
  readonly tcpProbe?: (host: string, port: number, timeoutMs: number) => Promise<TcpProbeResult>;
  readonly version?: string;
  /** Probes a URL to learn its backend type (POST /v1/backends without a type). */
  readonly detectType?: (url: string) => Promise<BackendType | undefined>;
  /**
   * How mDNS discovery reaches the network: the runtime's multicast socket, and socket settings
   * (tests keep it on loopback with a private port). Without it discovery stays off.
   */
  readonly discovery?: { readonly openSocket: OpenMulticast; readonly socket?: MulticastOptions };
  /** Sends Wake-on-LAN's magic packet (the runtime's); without it no backend is ever woken. */
  readonly sendBroadcast?: (data: Uint8Array, address: string, port: number) => Promise<void>;
  /** Reads the config again for a reload (`nexus serve`: the same file, env and flags). */
  readonly loadConfig?: () => Promise<LoadedConfig>;
  /** Backends added at run time, loaded: restored after the config's, then kept up to date. */
  readonly stateFile?: StateFile;
}

/** Applies one more part of a reloaded config (keys and limits …); returns the lines applied. */
export type ReloadHook = (next: NexusConfig, previous: NexusConfig) => string[];

export interface Gateway {
  /** The HTTP app now (a reload builds a new one; requests in flight keep theirs). */
  readonly app: Hono;
  /** The config in effect (a reload replaces it; keys that need a restart keep their values). */
  readonly config: Readonly<NexusConfig>;
  /** Wakes sleeping backends (absent without `sendBroadcast`). */
  readonly waker: Waker | undefined;
  /** Reads the config again (`loadConfig`) and applies what changed; never rejects. */
  reload(source: string): Promise<ReloadReport>;
  /**
   * Adds a step to every applied reload: the hook for parts built outside this file (`[auth]`
   * keys and limits). Its lines join the reload's report.
   */
  onReload(hook: ReloadHook): void;
  readonly registry: Registry;
  readonly router: Router;
  readonly health: HealthChecker;
  /**
   * Learns once per backend which native front doors it serves itself — `/v1/responses`,
   * Anthropic's `/v1/messages` — (started by `start`).
   */
  readonly features: FeatureProbe;
  /** Backend slots and the queue of requests waiting for one. */
  readonly admission: Admission;
  /** Loading and unloading models on the backends that can. */
  readonly lifecycle: ModelLifecycle;
  /** Metrics, stats and request logs. */
  readonly observability: Observability;
  /** The web dashboard (`[ui] enabled`). */
  readonly dashboard: Dashboard | undefined;
  /** mDNS discovery, when enabled in the config and given a socket. */
  readonly discovery: Discovery | undefined;
  /** The fetch handler to serve: passes the peer address to the app. */
  readonly fetch: (request: Request, conn: ConnInfo) => Response | Promise<Response>;
  /**
   * Starts the background work: health checks on their interval (or, with health checks off, one
   * probe round so static backends become routable), feature probes (does a healthy backend
   * serve `/v1/responses` or `/v1/messages` itself?) and discovery. Resolves when the first
   * round has ended and discovery has started or, after one warning, given up; never rejects.
   */
  start(): Promise<void>;
  /** Stops the background work and closes the discovery socket. */
  stop(): Promise<void>;
  /**
   * Shutdown drain: refuse new inference requests (503), stop health checks, wait up to `timeoutMs`
   * for requests in flight; then end the rest (streams get an in-stream error event).
   * Resolves true when everything finished on its own.
   */
  drain(timeoutMs: number): Promise<boolean>;
  /** Inference requests in flight now. */
  readonly inflight: InFlight;
}

export function createGateway(options: GatewayOptions): Gateway {
  const { env, logger } = options;
  let config = options.config;
  const clock = options.clock ?? systemClock;
  const startedAt = clock.now();
  const registry = new Registry({
    breaker: {
      failures: config.health_check.breaker_failures,
      window: config.health_check.breaker_window,
    },
  });
  for (const backend of config.backends) {
    registry.add({ ...backend, source: "static" });
    if (backend.api_key_env && !env[backend.api_key_env]) {
      logger.warn("backend API key variable is not set", {
        backend: backend.name,
        api_key_env: backend.api_key_env,
      });
    }
  }
  // After the config's backends: a stored one with the same name or URL is skipped.
  options.stateFile?.restore(registry);
  options.stateFile?.attach(registry);
  const router = new Router(registry, config.routing);
  const apiKeyFor = (backend: Backend) =>
    backend.api_key_env ? env[backend.api_key_env] || undefined : undefined;
  const upstreamFetch = options.fetch ?? globalThis.fetch;
  const probeFetch = (options.probeFetch ?? upstreamFetch) as FetchFn;
  const inflight = new InFlight();
  // The queue's depth is read at scrape time (after both exist); the queue reports waits and
  // refusals through the observability hooks.
  const observability = createObservability({
    registry,
    clock,
    logger,
    startedAt,
    queueDepth: (priority) => admission.depth(priority),
    onRecord: (event, record, end) => dashboard?.state.record(event, record, end),
  });
  const breakers = new BreakerCooldowns({
    registry,
    clock,
    logger,
    settings: config.health_check,
  });
  // From the first request on: a breaker may open before the background work starts.
  breakers.start();
  const admission = new Admission({
    registry,
    clock,
    config: config.queue,
    hooks: observability.admissionHooks,
  });
  let discovery: Discovery | undefined;
  const health: HealthChecker = new HealthChecker({
    registry,
    clock,
    logger,
    fetch: probeFetch,
    config: config.health_check,
    apiKeyFor,
    onCheck: observability.observeProbe,
    isSuspended: (backend) => discovery?.isSuspended(backend) ?? false,
  });
  const features = new FeatureProbe({
    registry,
    clock,
    logger,
    // A probe too: one connection, closed after its answer.
    fetch: probeFetch,
    apiKeyFor,
    get timeoutMs() {
      return config.health_check.timeout_seconds * 1000;
    },
  });
  const newDiscovery = (settings: NexusConfig["discovery"]) =>
    settings.enabled && options.discovery
      ? new Discovery({
        registry,
        clock,
        logger,
        config: settings,
        openSocket: options.discovery.openSocket,
        ...(options.discovery.socket ? { socketOptions: options.discovery.socket } : {}),
        probe: (backend) => health.check(backend),
      })
      : undefined;
  discovery = newDiscovery(config.discovery);
  const waker = options.sendBroadcast
    ? new Waker({
      registry,
      clock,
      logger,
      send: options.sendBroadcast,
      probe: (backend) => health.check(backend),
      hooks: observability.wakeHooks,
    })
    : undefined;
  const detectType = options.detectType ?? ((url: string) =>
    detectBackendType({
      baseUrl: url,
      fetch: probeFetch,
      signal: AbortSignal.timeout(config.health_check.timeout_seconds * 1000),
    }));
  const lifecycle = new ModelLifecycle({
    registry,
    router,
    fetch: upstreamFetch as FetchFn,
    clock,
    logger,
    apiKeyFor,
    get timeoutMs() {
      return config.server.first_byte_timeout_seconds * 1000;
    },
  });
  let preloader = new Preloader(config.preload, { lifecycle, clock, logger });
  const dashboard = config.ui.enabled
    ? new Dashboard({
      registry,
      router,
      clock,
      version: options.version ?? VERSION,
      startedAt,
      queueDepth: (priority) => admission.depth(priority),
      // Read when a browser connects: a reload may change them.
      routing: {
        get aliases() {
          return config.routing.aliases;
        },
        get fallbacks() {
          return config.routing.fallbacks;
        },
      },
      get adminToken() {
        return config.server.admin_token;
      },
    })
    : undefined;
  const parts: AppParts = {
    version: options.version ?? VERSION,
    clock,
    logger,
    startedAt,
    registry,
    router,
    observability,
    inflight,
    admission,
    lifecycle,
    upstreamFetch,
    apiKeyFor,
    detectType,
    onAdded: (backend) => {
      logger.info("backend added", { backend: backend.name, url: backend.url, type: backend.type });
      void health.check(backend);
    },
    ...(options.tcpProbe ? { tcpProbe: options.tcpProbe } : {}),
    ...(dashboard ? { dashboard } : {}),
    ...(waker ? { waker } : {}),
    ...(options.loadConfig ? { reload: (source: string) => reloader.reload(source) } : {}),
  };
  // Built from the config in effect; a reload builds the next one.
  const buildApp = (config: NexusConfig) => createGatewayApp(parts, config);
  let app = buildApp(config);
  const hooks: ReloadHook[] = [];
  // A backend a reload removed leaves once its last request has ended.
  registry.onChange((event) => {
    if (event.kind === "drained" && event.backend.source === "static") {
      registry.remove(event.backend.name);
      logger.info("backend removed after draining", { backend: event.backend.name });
    }
  });
  const restartDiscovery = async (settings: NexusConfig["discovery"]) => {
    await discovery?.stop();
    // The new browser finds them again; found by the old one, they would block it.
    for (const backend of registry.list()) {
      if (backend.source === "mdns") registry.remove(backend.name);
    }
    discovery = newDiscovery(settings);
    await discovery?.start();
  };
  const reloader = new Reloader({
    logger,
    load: options.loadConfig ?? (() => Promise.resolve({ config, path: undefined, warnings: [] })),
    current: () => config,
    apply: (next, diff) => {
      const previous = config;
      config = effectiveConfig(previous, next);
      return applyConfig(
        {
          registry,
          logger,
          probe: (backend) => void health.check(backend),
          routing: (routing) => router.configure(routing),
          health: (settings) => {
            health.configure(settings);
            breakers.configure(settings);
            if (settings.enabled && !health.running) void health.start();
            if (!settings.enabled && health.running) health.stop();
          },
          discovery: (settings) => void restartDiscovery(settings),
          queue: (settings) => admission.configure(settings),
          preload: (entries) => {
            preloader.stop();
            preloader = new Preloader(entries, { lifecycle, clock, logger });
            void preloader.start();
          },
          rebuild: () => (app = buildApp(config)),
          hooks,
        },
        previous,
        config,
        diff,
      );
    },
  });
  const stopBackground = async () => {
    dashboard?.close();
    health.stop();
    breakers.stop();
    waker?.stop();
    preloader.stop();
    features.stop();
    await discovery?.stop();
    await options.stateFile?.flush();
  };
  return {
    get app() {
      return app;
    },
    get config() {
      return config;
    },
    waker,
    reload: (source) => reloader.reload(source),
    onReload: (hook) => void hooks.push(hook),
    registry,
    router,
    health,
    features,
    admission,
    lifecycle,
    observability,
    dashboard,
    get discovery() {
      return discovery;
    },
    fetch: (request, conn) => app.fetch(request, conn),
    async start() {
      features.start();
      await Promise.all([
        config.health_check.enabled ? health.start() : health.runRound(),
        discovery?.start(),
      ]);
      // Backends are known now: warm what the config asks to keep warm (a load can take
      // minutes; start() does not wait for it).
      void preloader.start();
    },
    stop: stopBackground,
    inflight,
    async drain(timeoutMs) {
      inflight.drain();
      // Nobody waiting in the queue will get a slot from a Nexus that is going away.
      admission.refuseAll(failure("shutting_down", "Nexus is shutting down; retry shortly", {
        retryAfter: "5",
      }));
      await stopBackground();
      if (await withDeadline(inflight.idle(), timeoutMs, clock)) return true;
      inflight.abortAll();
      // Aborted streams finish within a tick or two; never wait on them for long.
      await withDeadline(inflight.idle(), 2000, clock);
      return false;
    },
  };
}
