/**
 * The composition root: builds the registry from the config, the router, the proxy and the
 * HTTP app, and owns the background work (health checks, discovery) of a running gateway.
 * `nexus serve` and the tests both start Nexus through here (options and parts: gateway-types.ts;
 * the config read as options: gateway-settings.ts; what every probe shares: gateway-probes.ts).
 * @module
 */
import type { Gateway, GatewayOptions, ReloadHook } from "./gateway-types.ts";
import { type AppParts, createGatewayApp } from "./gateway-app.ts";
import { BodyBudget, InFlight } from "./exchange/mod.ts";
import { Admission } from "./admission/mod.ts";
import { Auth } from "./auth/mod.ts";
import { memoryFiles, RedisLink } from "./state/mod.ts";
import { ModelLifecycle, Preloader } from "./lifecycle/mod.ts";
import { BackgroundWork } from "./background-work.ts";
import { apiKeyReader, secretsRedactor, warnIfKeyUnset } from "./backend-secrets.ts";
import { drainGateway, stopGateway } from "./gateway-shutdown.ts";
import { createProbes } from "./gateway-probes.ts";
import { dashboardOptions, registryOptions, sharedStateUrl } from "./gateway-settings.ts";
import { redactUrl } from "./lib/urls.ts";
import { FeatureProbe, type FetchFn } from "./backends/mod.ts";
import { Discovery } from "./discovery/mod.ts";
import { BreakerCooldowns, HealthChecker } from "./health/mod.ts";
import type { NexusConfig } from "./config/mod.ts";
import { systemClock } from "./lib/clock.ts";
import { newInstanceId } from "./lib/loop.ts";
import { createObservability } from "./metrics/mod.ts";
import { Registry } from "./registry/mod.ts";
import { Router } from "./routing/mod.ts";
import { Reloader } from "./reload/mod.ts";
import { applyConfig, effectiveConfig, removeWhenDrained } from "./reconfigure.ts";
import { SelfDefence } from "./self-defence.ts";
import { Dashboard } from "./ui/mod.ts";
import { Waker } from "./wake/mod.ts";
import { VERSION } from "./version.ts";

export type { Gateway, GatewayOptions, ReloadHook } from "./gateway-types.ts";

export function createGateway(options: GatewayOptions): Gateway {
  const { env, logger } = options;
  let config = options.config;
  const current = () => config;
  const clock = options.clock ?? systemClock;
  const startedAt = clock.now();
  const instanceId = options.instanceId ?? newInstanceId();
  const registry = new Registry(registryOptions(current));
  for (const backend of config.backends) {
    registry.add({ ...backend, source: "static" });
    warnIfKeyUnset(backend, env, logger);
  }
  // After the config's backends: a stored one with the same name or URL is skipped.
  options.stateFile?.restore(registry);
  options.stateFile?.attach(registry);
  const router = new Router(registry, config.routing, { clock });
  const redisUrl = sharedStateUrl(config, logger);
  const redis = redisUrl && options.openRedis
    ? new RedisLink({ url: redisUrl, open: options.openRedis, clock, logger })
    : undefined;
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
  const apiKeyFor = apiKeyReader(env);
  // Every upstream request and probe passes one guard (no redirects, X-Nexus-Via, own-id check).
  const defence = new SelfDefence({
    instanceId,
    registry,
    logger,
    ...(options.interfaces ? { interfaces: options.interfaces } : {}),
  });
  const rawFetch = options.fetch ?? globalThis.fetch;
  const upstreamFetch = defence.guard.guarded(rawFetch);
  const probes = createProbes({
    defence,
    fetch: options.probeFetch ?? rawFetch,
    current,
    ...(options.detectType ? { detectType: options.detectType } : {}),
  });
  const redactorFor = secretsRedactor(env);
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
  const health: HealthChecker = new HealthChecker({
    registry,
    clock,
    logger,
    fetch: probes.fetch,
    config: config.health_check,
    apiKeyFor,
    onCheck: observability.observeProbe,
    // `background` is declared below: this is read by a round (background.start) and, after its
    // first await, by any single check (admin add, reload, wake, discovery), all after it exists.
    isSuspended: (backend) => background.isSuspended(backend),
  });
  const features = new FeatureProbe({
    registry,
    clock,
    logger,
    // A probe too: one connection, closed after its answer.
    fetch: probes.fetch,
    apiKeyFor,
    get timeoutMs() {
      return probes.timeoutMs();
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
        acceptAddress: defence.networksFor(settings).allows,
        refuseUrl: (url) => defence.refusal(url),
      })
      : undefined;
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
  const dashboard = config.ui.enabled
    ? new Dashboard(dashboardOptions(current, {
      registry,
      router,
      clock,
      version: options.version ?? VERSION,
      startedAt,
      queueDepth: (priority) => admission.depth(priority),
      beforeRead: () => observability.flush(),
    }))
    : undefined;
  const background = new BackgroundWork({
    registry,
    health,
    breakers,
    features,
    ...(waker ? { waker } : {}),
    ...(dashboard ? { dashboard } : {}),
    ...(options.stateFile ? { stateFile: options.stateFile } : {}),
    newDiscovery,
    newPreloader: (entries) => new Preloader(entries, { lifecycle, clock, logger }),
  }, config);
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
    ...(auth ? { auth } : {}),
    ...(redis ? { stateProblem: () => redis.problem } : {}),
    lifecycle,
    upstreamFetch,
    apiKeyFor,
    detectType: probes.detectType,
    onAdded: (backend) => {
      logger.info("backend added", {
        backend: backend.name,
        url: redactUrl(backend.url),
        type: backend.type,
      });
      void health.check(backend);
    },
    ...(options.tcpProbe ? { tcpProbe: options.tcpProbe } : {}),
    ...(dashboard ? { dashboard } : {}),
    ...(waker ? { waker } : {}),
    ...(options.loadConfig ? { reload: (source: string) => reloader.reload(source) } : {}),
    instanceId,
    bodyBudget: new BodyBudget(() => config.server.max_inflight_body_bytes),
    redactorFor,
    hostName: options.hostName,
    isSelf: probes.isSelf,
  };
  // Built from the config in effect; a reload builds the next one.
  const buildApp = (config: NexusConfig) => createGatewayApp(parts, config);
  let api = buildApp(config);
  const hooks: ReloadHook[] = [];
  // Keys and limits: the keys file is read again, `[auth]` settings applied.
  if (auth) hooks.push((next) => auth.configure(next.auth));
  removeWhenDrained(registry, logger);
  const reloader = new Reloader({
    logger,
    load: options.loadConfig ?? (() => Promise.resolve({ config, path: undefined, warnings: [] })),
    current,
    apply: (next, diff) => {
      const previous = config;
      config = effectiveConfig(previous, next);
      return applyConfig(
        {
          registry,
          logger,
          probe: (backend) => void health.check(backend),
          routing: (routing) => router.configure(routing),
          health: (settings) => background.configureHealth(settings),
          discovery: (settings) => void background.restartDiscovery(settings),
          queue: (settings) => admission.configure(settings),
          preload: (entries) => background.replacePreload(entries),
          rebuild: () => (api = buildApp(config)),
          hooks,
        },
        previous,
        config,
        diff,
      );
    },
  });
  const shutdown = { observability, auth, redis, inflight, admission, background, clock };
  return {
    get app() {
      return api.app;
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
    auth,
    redis,
    get discovery() {
      return background.discovery;
    },
    // The app in effect when the request arrives (front doors first, src/api/app.ts); every
    // response carries this instance's id (src/lib/connection.ts).
    fetch: (request, conn) => api.fetch(request, conn),
    async prepare() {
      await auth?.start();
      await redis?.open();
    },
    start: () => background.start(config),
    stop: () => stopGateway(shutdown),
    inflight,
    instanceId,
    drain: (timeoutMs) => drainGateway(shutdown, timeoutMs),
  };
}
