/**
 * What every probe shares, so the composition root only hands it out: one guarded fetch with a
 * capped answer, and the health-check deadline of the config in effect (type detection and the
 * self check are probes too).
 * @module
 */
import { detectBackend, type DetectionRefused, type FetchFn } from "./backends/mod.ts";
import { type BackendType, type NexusConfig, PROBE_MAX_RESPONSE_BYTES } from "./config/mod.ts";
import type { SelfDefence } from "./self-defence.ts";

export interface ProbeDeps {
  readonly defence: SelfDefence;
  /** The fetch under the guard (the runtime's `probeFetch`, else the upstream one). */
  readonly fetch: (input: string, init: RequestInit) => Promise<Response>;
  /** The config in effect: a reload may change the deadline and the answer cap. */
  readonly current: () => NexusConfig;
  /** Replaces type detection (GatewayOptions.detectType). */
  readonly detectType?: (url: string) => Promise<BackendType | DetectionRefused | undefined>;
}

export interface Probes {
  readonly fetch: FetchFn;
  /** `[health_check] timeout_seconds` in ms, read at each use. */
  readonly timeoutMs: () => number;
  /** Probes a URL to learn its backend type (POST /v1/backends without a type). */
  readonly detectType: (url: string) => Promise<BackendType | DetectionRefused | undefined>;
  /** Asks a URL once whether it is this Nexus (admin add). */
  readonly isSelf: (url: string) => Promise<boolean>;
}

export function createProbes(deps: ProbeDeps): Probes {
  const { defence, current } = deps;
  const timeoutMs = () => current().health_check.timeout_seconds * 1000;
  const fetch = defence.guard.guarded(
    deps.fetch,
    () => Math.min(PROBE_MAX_RESPONSE_BYTES, current().server.max_response_bytes),
  ) as FetchFn;
  return {
    fetch,
    timeoutMs,
    detectType: deps.detectType ??
      ((url: string) =>
        detectBackend({ baseUrl: url, fetch, signal: AbortSignal.timeout(timeoutMs()) })),
    isSelf: (url) => defence.isSelf(url, fetch, AbortSignal.timeout(timeoutMs())),
  };
}
