/**
 * What the composition root (gateway.ts) takes and what it gives: the options `nexus serve` and
 * the tests pass, and the running gateway's parts.
 * @module
 */
import type { Hono } from "hono";
import type { Admission } from "./admission/mod.ts";
import type { Auth } from "./auth/mod.ts";
import type { DetectionRefused, FeatureProbe } from "./backends/mod.ts";
import type { BackendType, LoadedConfig, NexusConfig } from "./config/mod.ts";
import type { Discovery, OpenMulticast } from "./discovery/mod.ts";
import type { InFlight } from "./exchange/mod.ts";
import type { HealthChecker } from "./health/mod.ts";
import type { Clock } from "./lib/clock.ts";
import type { Logger } from "./lib/logger.ts";
import type { ModelLifecycle } from "./lifecycle/mod.ts";
import type { Observability } from "./metrics/mod.ts";
import type { Registry } from "./registry/mod.ts";
import type { ReloadReport } from "./reload/mod.ts";
import type { Router } from "./routing/mod.ts";
import type {
  ConnInfo,
  InterfaceAddress,
  MulticastOptions,
  TcpProbeResult,
} from "./runtime/mod.ts";
import type { OpenRedis, RedisLink, StateFiles } from "./state/mod.ts";
import type { StateFile } from "./statefile/mod.ts";
import type { Dashboard } from "./ui/mod.ts";
import type { Waker } from "./wake/mod.ts";

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
  readonly detectType?: (url: string) => Promise<BackendType | DetectionRefused | undefined>;
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
  /** Sends Wake-on-LAN's magic packet (the runtime's); without it no backend is ever woken. */
  readonly sendBroadcast?: (data: Uint8Array, address: string, port: number) => Promise<void>;
  /** Reads the config again for a reload (`nexus serve`: the same file, env and flags). */
  readonly loadConfig?: () => Promise<LoadedConfig>;
  /** Backends added at run time, loaded: restored after the config's, then kept up to date. */
  readonly stateFile?: StateFile;
  /** This Nexus's instance id (src/lib/loop.ts); a fresh one when absent. */
  readonly instanceId?: string;
  /** This machine's host name: admin requests addressed to it are accepted (runtime.hostname()). */
  readonly hostName?: string;
  /** This host's interface addresses: the default of `discovery.allowed_networks`. */
  readonly interfaces?: readonly InterfaceAddress[];
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
  /** This Nexus's instance id: on every response (`X-Nexus-Instance`) and upstream request. */
  readonly instanceId: string;
}
