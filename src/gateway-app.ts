/**
 * The gateway's HTTP app, built from the long-lived parts (registry, router, admission, metrics …)
 * and the config in effect. A config reload builds a new one from the same parts: the app holds
 * everything `[server]` says (limits, timeouts, admin token, CORS), and requests in flight keep
 * the app they began with.
 * @module
 */
import type { Admission } from "./admission/mod.ts";
import type { Auth } from "./auth/mod.ts";
import { type Api, createApi } from "./api/mod.ts";
import type { DetectionRefused } from "./backends/mod.ts";
import type { BackendType, NexusConfig } from "./config/mod.ts";
import type { BodyBudget, InFlight } from "./exchange/mod.ts";
import type { Clock } from "./lib/clock.ts";
import type { Logger } from "./lib/logger.ts";
import type { Redactor } from "./lib/secrets.ts";
import type { ModelLifecycle } from "./lifecycle/mod.ts";
import type { Observability } from "./metrics/mod.ts";
import type { Backend, Registry } from "./registry/mod.ts";
import type { ReloadReport } from "./reload/mod.ts";
import type { Router } from "./routing/mod.ts";
import type { TcpProbeResult } from "./runtime/mod.ts";
import type { Dashboard } from "./ui/mod.ts";
import type { Waker } from "./wake/mod.ts";

export interface AppParts {
  readonly version: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly startedAt: number;
  readonly registry: Registry;
  readonly router: Router;
  readonly observability: Observability;
  readonly inflight: InFlight;
  readonly admission: Admission;
  readonly lifecycle: ModelLifecycle;
  readonly upstreamFetch: (input: string, init: RequestInit) => Promise<Response>;
  readonly tcpProbe?: (host: string, port: number, timeoutMs: number) => Promise<TcpProbeResult>;
  readonly apiKeyFor: (backend: Backend) => string | undefined;
  readonly detectType: (url: string) => Promise<BackendType | DetectionRefused | undefined>;
  /** A backend added through the admin API. */
  readonly onAdded: (backend: Backend) => void;
  readonly dashboard?: Dashboard;
  readonly waker?: Waker;
  readonly reload?: (source: string) => Promise<ReloadReport>;
  /** `[auth] mode = "keys"`: keys, limits and usage; a reload updates it in place. */
  readonly auth?: Auth;
  /** Problems of shared state (Redis unreachable) that make `/health` degraded. */
  readonly stateProblem?: () => string | undefined;
  /** This Nexus's instance id (src/lib/loop.ts). */
  readonly instanceId: string;
  /** Request bodies held at once, all requests (one budget whatever app serves them). */
  readonly bodyBudget: BodyBudget;
  /** The configured secrets of a config (backend keys, admin token), to redact. */
  readonly redactorFor: (config: NexusConfig) => Redactor;
  /** This machine's host name (the admin guard's Host rule). */
  readonly hostName?: string | undefined;
  /** Asks a URL once whether it is this Nexus (admin add). */
  readonly isSelf: (url: string) => Promise<boolean>;
}

export function createGatewayApp(parts: AppParts, config: NexusConfig): Api {
  const { dashboard, waker, observability, admission } = parts;
  return createApi({
    version: parts.version,
    clock: parts.clock,
    logger: parts.logger,
    startedAt: parts.startedAt,
    registry: parts.registry,
    router: parts.router,
    exchange: {
      observe: observability.observeExchange,
      maxBodyBytes: config.server.max_body_bytes,
      bodyTimeoutMs: config.server.body_timeout_seconds * 1000,
      inflight: parts.inflight,
      instanceId: parts.instanceId,
      bodyBudget: parts.bodyBudget,
      ...(dashboard ? { watch: dashboard.live } : {}),
      ...(waker ? { wake: waker } : {}),
      retryAfterSeconds: Math.max(1, Math.ceil(config.health_check.interval_seconds)),
      proxy: {
        admission,
        fetch: parts.upstreamFetch,
        ...(parts.tcpProbe ? { tcpProbe: parts.tcpProbe } : {}),
        clock: parts.clock,
        registry: parts.registry,
        server: config.server,
        maxRetries: config.routing.max_retries,
        apiKeyFor: parts.apiKeyFor,
        instanceId: parts.instanceId,
        redactor: parts.redactorFor(config),
        maxResponseBytes: config.server.max_response_bytes,
      },
    },
    admin: {
      adminToken: config.server.admin_token,
      allowedHosts: config.server.allowed_hosts,
      hostName: parts.hostName,
      isSelf: parts.isSelf,
      detectType: parts.detectType,
      onAdded: parts.onAdded,
    },
    corsOrigins: config.server.cors_origins,
    lifecycle: parts.lifecycle,
    queueWaiting: () => admission.waiting,
    observability: { metrics: observability.metrics, stats: observability.stats },
    ...(dashboard ? { ui: dashboard.routes } : {}),
    ...(parts.auth ? { auth: parts.auth } : {}),
    ...(parts.stateProblem ? { stateProblem: parts.stateProblem } : {}),
    ops: {
      ...(parts.reload ? { reload: parts.reload } : {}),
      ...(waker ? { wake: (backend: Backend) => waker.begin(backend) } : {}),
    },
  });
}
