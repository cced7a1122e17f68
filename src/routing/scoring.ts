/**
 * The smart score (REFERENCE.md A2): each input becomes a 0–100 component where higher is better,
 * and the configured weights (validated to sum to 100) blend them into a 0–100 score.
 * @module
 */
import type { Backend } from "../registry/mod.ts";

export interface ScoreWeights {
  readonly priority: number;
  readonly load: number;
  readonly latency: number;
}

export interface ScoreComponents {
  /** 100 − clamp(priority, 0, 100): priority 0 (most preferred) scores 100. */
  readonly priority: number;
  /** 100 − clamp(pending, 0, 100): an idle backend scores 100. */
  readonly load: number;
  /** 100 − clamp(latency_ms / 10, 0, 100): 0 ms scores 100, a second or more scores 0. */
  readonly latency: number;
}

export type ScoreInput = Pick<Backend, "priority" | "pending" | "latency_ms">;

/** Scored inputs only need these three fields, so tests and benchmarks can pass plain objects. */
export function scoreBackend(backend: ScoreInput, weights: ScoreWeights): number {
  return (priorityComponent(backend.priority) * weights.priority +
    loadComponent(backend.pending) * weights.load +
    latencyComponent(backend.latency_ms) * weights.latency) / 100;
}

export function scoreComponents(backend: ScoreInput): ScoreComponents {
  return {
    priority: priorityComponent(backend.priority),
    load: loadComponent(backend.pending),
    latency: latencyComponent(backend.latency_ms),
  };
}

const priorityComponent = (priority: number): number => 100 - clamp100(priority);
const loadComponent = (pending: number): number => 100 - clamp100(pending);

/**
 * A backend with no latency sample yet counts as 0 ms: a brand-new backend gets traffic, and its
 * first real time to first byte replaces the guess at once (the moving average starts from it).
 */
const latencyComponent = (latencyMs: number | undefined): number =>
  latencyMs === undefined ? 100 : 100 - clamp100(latencyMs / 10);

/** Clamps to 0..100; NaN counts as 0 so a bad sample can never push a score out of range. */
function clamp100(value: number): number {
  if (!(value > 0)) return 0;
  return value > 100 ? 100 : value;
}
