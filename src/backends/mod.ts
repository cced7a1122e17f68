/**
 * Backend adapters: one per backend type, each able to probe a server (is it up, which models,
 * what can they do) without ever sending a billed request, plus detection of an unknown
 * server's type. Web-standard only: `fetch` is passed in, and `probe()` never throws.
 *
 * ```ts
 * const adapter = adapterFor("ollama");
 * const result = await adapter.probe({
 *   baseUrl: "http://gpu-box:11434",
 *   fetch,
 *   signal: AbortSignal.timeout(5_000),
 * });
 * if (result.ok) result.models; // ModelInfo[] with capabilities, context length, loaded
 * ```
 * @module
 */
export { adapterFor } from "./adapters.ts";
export { detectBackend, detectBackendType, type DetectionRefused } from "./detect.ts";
export {
  changeModel,
  LIFECYCLE_TYPES,
  type LifecycleAction,
  type LifecycleRequest,
  type LifecycleResult,
} from "./lifecycle.ts";
export { detectResponses, FeatureProbe, type FeatureProbeDeps } from "./features.ts";
export { detectMessages } from "./messages-probe.ts";
export { TIMED_OUT } from "./http.ts";
export type {
  BackendAdapter,
  FetchFn,
  ProbeContext,
  ProbeFailure,
  ProbeResult,
  ProbeSuccess,
} from "./types.ts";
