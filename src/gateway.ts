/**
 * The composition root: builds the registry from the config, the router, the proxy and the
 * HTTP app, and owns the background work (health checks, discovery) of a running gateway.
 * `nexus serve` and the tests both start Nexus through here.
 * @module
 */
import type { Hono } from "hono";
import { createApi } from "./api/mod.ts";
import { InFlight } from "./exchange/mod.ts";
import { Admission } from "./admission/mod.ts";
import { Auth } from "./auth/mod.ts";
import { memoryFiles, type OpenRedis, RedisLink, type StateFiles } from "./state/mod.ts";
import { ModelLifecycle, Preloader } from "./lifecycle/mod.ts";
import { withDeadline } from "./lib/async.ts";
import { detectBackendType, FeatureProbe, type FetchFn } from "./backends/mod.ts";
import { Discovery, type OpenMulticast } from "./discovery/mod.ts";
import { HealthChecker } from "./health/mod.ts";
import type { BackendType, NexusConfig } from "./config/mod.ts";
import { type Clock, systemClock } from "./lib/clock.ts";
import { failure } from "./lib/failures.ts";
import type { Logger } from "./lib/logger.ts";
import { createObservability, type Observability } from "./metrics/mod.ts";
import { type Backend, Registry } from "./registry/mod.ts";
import { Router } from "./routing/mod.ts";
import { Dashboard } from "./ui/mod.ts";
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
  /** Where keys and usage are kept (the runtime's files); without it, in memory only. */
  readonly files?: StateFiles;
  /** `[auth] keys_file` resolved beside the config file (`nexus serve` does it). */
  readonly keysFile?: string;
  /** Opens the Redis connection of `[state] redis_url` (the runtime's). */
  readonly openRedis?: OpenRedis;
}

export interface Gateway {
  readonly app: Hono;
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
  /** API keys, limits and usage (`[auth] mode = "keys"`). */
  readonly auth: Auth | undefined;
  /** The shared-state connection (`[state] redis_url`, keys mode). */
  readonly redis: RedisLink | undefined;
  /**
   * Reads the keys and usage files and starts connecting to Redis: call before serving, so the
   * first request already knows every key. Rejects when the keys file is broken.
   */
  prepare(): Promise<void>;
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
  const { config, env, logger } = options;
  const clock = options.clock ?? systemClock;
  const startedAt = clock.now();
  const registry = new Registry();
  for (const backend of config.backends) {
    registry.add({ ...backend, source: "static" });
    if (backend.api_key_env && !env[backend.api_key_env]) {
      logger.warn("backend API key variable is not set", {
        backend: backend.name,
        api_key_env: backend.api_key_env,
      });
    }
  }
  const router = new Router(registry, config.routing);
  const redis = config.auth.mode === "keys" && config.state.redis_url && options.openRedis
    ? new RedisLink({ url: config.state.redis_url, open: options.openRedis, clock, logger })
    : undefined;
  if (config.state.redis_url && config.auth.mode !== "keys") {
    logger.warn('[state] redis_url is set but [auth] mode is "off": nothing is shared');
  }
  const auth = config.auth.mode === "keys"
    ? new Auth({
      config: config.auth,
      keysFile: options.keysFile ?? config.auth.keys_file,
      files: options.files ?? memoryFiles(),
      clock,
      logger,
      ...(redis ? { redis } : {}),
      resolveModel: (model) => router.resolveModel(model),
    })
    : undefined;
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
    ...(auth ? { keys: { usage: (since: string) => auth.usage.localRows({ since }) } } : {}),
  });
  const admission = new Admission({
    registry,
    clock,
    config: config.queue,
    hooks: observability.admissionHooks,
  });
  let discovery: Discovery | undefined;
  const health = new HealthChecker({
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
    timeoutMs: config.health_check.timeout_seconds * 1000,
  });
  if (config.discovery.enabled && options.discovery) {
    discovery = new Discovery({
      registry,
      clock,
      logger,
      config: config.discovery,
      openSocket: options.discovery.openSocket,
      ...(options.discovery.socket ? { socketOptions: options.discovery.socket } : {}),
      probe: (backend) => health.check(backend),
    });
  }
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
    timeoutMs: config.server.first_byte_timeout_seconds * 1000,
  });
  const preloader = new Preloader(config.preload, { lifecycle, clock, logger });
  const dashboard = config.ui.enabled
    ? new Dashboard({
      registry,
      router,
      clock,
      version: options.version ?? VERSION,
      startedAt,
      queueDepth: (priority) => admission.depth(priority),
      routing: config.routing,
      adminToken: config.server.admin_token,
    })
    : undefined;
  const api = createApi({
    version: options.version ?? VERSION,
    clock,
    logger,
    startedAt,
    registry,
    router,
    exchange: {
      observe: observability.observeExchange,
      maxBodyBytes: config.server.max_body_bytes,
      bodyTimeoutMs: config.server.body_timeout_seconds * 1000,
      inflight,
      ...(dashboard ? { watch: dashboard.live } : {}),
      retryAfterSeconds: Math.max(1, Math.ceil(config.health_check.interval_seconds)),
      proxy: {
        admission,
        fetch: upstreamFetch,
        ...(options.tcpProbe ? { tcpProbe: options.tcpProbe } : {}),
        clock,
        registry,
        server: config.server,
        maxRetries: config.routing.max_retries,
        apiKeyFor,
      },
    },
    admin: {
      adminToken: config.server.admin_token,
      detectType,
      onAdded: (backend) => {
        logger.info("backend added", {
          backend: backend.name,
          url: backend.url,
          type: backend.type,
        });
        void health.check(backend);
      },
    },
    corsOrigins: config.server.cors_origins,
    ...(auth ? { auth } : {}),
    ...(redis ? { stateProblem: () => redis.problem } : {}),
    lifecycle,
    queueWaiting: () => admission.waiting,
    observability: { metrics: observability.metrics, stats: observability.stats },
    ...(dashboard ? { ui: dashboard.routes } : {}),
  });
  const app = api.app;
  // After the last request: its usage is flushed to the usage file and to Redis.
  const stopState = async () => {
    await auth?.stop();
    await redis?.close();
  };
  const stopBackground = async () => {
    dashboard?.close();
    health.stop();
    preloader.stop();
    features.stop();
    await discovery?.stop();
  };
  return {
    app,
    registry,
    router,
    health,
    features,
    admission,
    lifecycle,
    observability,
    dashboard,
    auth,
    redis,
    discovery,
    fetch: api.fetch,
    async prepare() {
      await auth?.start();
      await redis?.open();
    },
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
    async stop() {
      await stopBackground();
      await stopState();
    },
    inflight,
    async drain(timeoutMs) {
      inflight.drain();
      // Nobody waiting in the queue will get a slot from a Nexus that is going away.
      admission.refuseAll(failure("shutting_down", "Nexus is shutting down; retry shortly", {
        retryAfter: "5",
      }));
      await stopBackground();
      if (await withDeadline(inflight.idle(), timeoutMs, clock)) {
        await stopState();
        return true;
      }
      inflight.abortAll();
      // Aborted streams finish within a tick or two; never wait on them for long.
      await withDeadline(inflight.idle(), 2000, clock);
      await stopState();
      return false;
    },
  };
}
