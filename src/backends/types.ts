/**
 * The contract every backend adapter keeps: one `probe()` that says whether the server is up,
 * which models it serves and what they can do, and that never throws.
 * @module
 */
import type { BackendType, ModelInfo } from "../registry/mod.ts";

/**
 * The slice of `fetch` adapters use. `globalThis.fetch` (Bun or Deno) fits; it is narrower than
 * `typeof fetch` so a test fake needs no cast (Bun's `typeof fetch` also carries `preconnect`).
 */
export type FetchFn = (input: string, init: RequestInit) => Promise<Response>;

export interface ProbeContext {
  /** Base URL without a trailing slash and without `/v1`. */
  readonly baseUrl: string;
  readonly fetch: FetchFn;
  /** The probe's deadline; every request uses it, and it aborting ends the probe at once. */
  readonly signal: AbortSignal;
  /** Sent as `Authorization: Bearer <key>` by the types that accept one, only when set. */
  readonly apiKey?: string;
  /** The last successful result, to reuse per-model details (Ollama /api/show by digest). */
  readonly previousModels?: readonly ModelInfo[];
}

export type ProbeResult = ProbeSuccess | ProbeFailure;

export interface ProbeSuccess {
  readonly ok: true;
  readonly models: readonly ModelInfo[];
  /** Server version, when the server says (Ollama, vLLM, llama.cpp build). */
  readonly version?: string;
  /** Requests the server runs at once (llama.cpp `total_slots`), when it says. */
  readonly slots?: number;
}

export interface ProbeFailure {
  readonly ok: false;
  /** Short and human: `HTTP 503 from /api/tags`, `connection refused`, `timed out`. */
  readonly reason: string;
  /**
   * Alive but not ready (llama.cpp answering 503 "Loading model"): the health checker must not
   * count this toward a failure streak.
   */
  readonly notReady?: boolean;
}

export interface BackendAdapter {
  readonly type: BackendType;
  /** The port the server listens on out of the box (REFERENCE.md Part B). */
  readonly defaultPort: number;
  /** Resolves with a result whatever the server does; never rejects. */
  probe(context: ProbeContext): Promise<ProbeResult>;
}
