/**
 * The domain model: backends, the models they serve and what those models can do.
 * Capabilities are tri-state: `true` known yes, `false` known no, `undefined` unknown — only a
 * known lack excludes a backend from a request that needs the capability.
 * @module
 */
import type { BackendType, BackendTypeSetting, WakeConfig } from "../config/mod.ts";
import type { BreakerView } from "./breaker.ts";

export type { BackendType, BackendTypeSetting, WakeConfig };
/**
 * REFERENCE.md Part C. `busy`: probes time out while the backend is delivering bytes for Nexus
 * requests; it is answering slowly because it is working, and stays routable (scored by load).
 * `asleep`: a backend with `wake` that stopped answering; not routable, but a request for its
 * models wakes it (src/wake). `draining`: removed from the config, finishing its requests.
 */
export type BackendStatus =
  | "unknown"
  | "healthy"
  | "busy"
  | "unhealthy"
  | "asleep"
  | "draining";

/** The statuses that receive traffic and list their models in `/v1/models`. */
export function isRoutable(status: BackendStatus): boolean {
  return status === "healthy" || status === "busy";
}
export type DiscoverySource = "static" | "mdns" | "manual";

export interface ModelCapabilities {
  readonly vision?: boolean;
  readonly tools?: boolean;
  readonly json_mode?: boolean;
  readonly embeddings?: boolean;
  /** Generates text (chat and completions): false for an embedding-only model. */
  readonly completion?: boolean;
  /** Fill-in-the-middle (`suffix`): Ollama's `insert` capability. */
  readonly fim?: boolean;
}

export interface ModelInfo {
  readonly id: string;
  /** Context window in tokens, when the backend says. */
  readonly context_length?: number;
  readonly capabilities: ModelCapabilities;
  /** Loaded in memory now (Ollama /api/ps, LM Studio state); undefined when unknown. */
  readonly loaded?: boolean;
  /** Content digest (Ollama), so per-model details are re-fetched only when the model changes. */
  readonly digest?: string;
  readonly owned_by?: string;
  /**
   * The context a request gets when it does not ask for one (Ollama: what the loaded model runs
   * with, else the Modelfile's `num_ctx`); at most `context_length`, the model's own maximum.
   */
  readonly default_context?: number;
  /** What the server itself says about the model, for Ollama-shaped listings (/api/tags, /api/ps). */
  readonly native?: NativeModelFacts;
}

/** Listing facts as Ollama reports them; other servers fill what they know. */
export interface NativeModelFacts {
  /** Bytes on disk. */
  readonly size?: number;
  /** RFC 3339. */
  readonly modified_at?: string;
  readonly format?: string;
  readonly family?: string;
  readonly families?: readonly string[];
  readonly parameter_size?: string;
  readonly quantization_level?: string;
  /** The Modelfile's `num_ctx` (Ollama `/api/show` parameters). */
  readonly num_ctx?: number;
  /** Loaded models: bytes in GPU memory, and when the server unloads it (RFC 3339). */
  readonly size_vram?: number;
  readonly expires_at?: string;
}

/** What is fixed about a backend: where it is and how it was configured or found. */
export interface BackendSpec {
  readonly name: string;
  /** Base URL without a trailing slash and without `/v1`. */
  readonly url: string;
  /** `auto` until the first answering probe detects the type (then it is replaced). */
  readonly type: BackendTypeSetting;
  /** 0–100, lower is preferred. */
  readonly priority: number;
  readonly source: DiscoverySource;
  /** Environment variable holding the API key (the key itself is never stored here). */
  readonly api_key_env?: string;
  /** Send the client's own Authorization header to this backend (when it has no key of its own). */
  readonly forward_client_auth?: boolean;
  readonly first_byte_timeout_seconds?: number;
  /** Requests this backend runs at once, as configured (`max_concurrent`): wins over `slots`. */
  readonly max_concurrent?: number;
  /**
   * Serves Anthropic's `/v1/messages` itself, as configured (`anthropic`): wins over the probe
   * (`features.messages`).
   */
  readonly anthropic?: boolean;
  /** Free-form facts (mDNS TXT version, server version). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Wake-on-LAN (`[[backends]] wake`): asleep rather than unhealthy when it stops answering. */
  readonly wake?: WakeConfig;
  /** Wake it for its models even when another backend could serve them. */
  readonly prefer_wake?: boolean;
  /** Added at run time and not kept in the state file (`nexus backends add --ephemeral`). */
  readonly ephemeral?: boolean;
}

/**
 * Native front doors a backend serves itself, learned by probing once (unknown until then):
 * a request in that dialect is passed through untouched instead of translated.
 */
export interface BackendFeatures {
  /** `POST /v1/responses` (OpenAI Responses API). */
  readonly responses?: boolean;
  /** `POST /v1/messages` (Anthropic Messages API). */
  readonly messages?: boolean;
}

/** A backend and its live state, as the registry holds it. */
export interface Backend extends BackendSpec {
  status: BackendStatus;
  /** The circuit breaker fed by request outcomes (registry.ts, breaker.ts). */
  readonly breaker: BreakerView;
  features: BackendFeatures;
  models: readonly ModelInfo[];
  /** Requests in flight now: each holds one of the backend's slots until its last byte. */
  pending: number;
  /** Requests the server says it runs at once (llama.cpp `total_slots`), when it says. */
  slots: number | undefined;
  /** Learned load time per model (ms): the first-byte time of cold starts, averaged. */
  readonly load_ms: Map<string, number>;
  requests: number;
  errors: number;
  /** Exponential moving average of latency (time to first byte, and probes), ms. */
  latency_ms: number | undefined;
  last_error: string | undefined;
  /** Wall-clock ms of the last health check. */
  last_check: number | undefined;
  /** Server version from the last probe that reported one (llama.cpp build, Ollama, vLLM). */
  version: string | undefined;
  /**
   * Monotonic ms (`Clock.monotonic`) when the backend last delivered bytes for a Nexus request:
   * the traffic evidence that turns a timed-out probe into `busy` rather than a failure.
   */
  last_progress: number | undefined;
}

/** One backend serving one model, with that backend's facts about it (capabilities, context). */
export interface ModelServing {
  readonly backend: Backend;
  readonly info: ModelInfo;
}
