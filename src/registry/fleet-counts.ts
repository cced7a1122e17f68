/**
 * Derived views of the fleet for `/health`, metrics and the dashboard: backends per status, and
 * the models some routable backend serves. Read-only: they count, never change.
 * @module
 */
import type { FleetCounts } from "./registry-events.ts";
import { type Backend, isRoutable } from "./types.ts";

export function countByStatus(backends: Iterable<Backend>): FleetCounts {
  const counts: FleetCounts = {
    total: 0,
    healthy: 0,
    busy: 0,
    unhealthy: 0,
    unknown: 0,
    asleep: 0,
    draining: 0,
  };
  for (const backend of backends) {
    counts.total++;
    counts[backend.status]++;
  }
  return counts;
}

/** How many of the index's per-model backend lists hold a routable (healthy or busy) backend. */
export function countRoutableModels(lists: Iterable<readonly Backend[]>): number {
  let count = 0;
  for (const backends of lists) {
    if (backends.some((b) => isRoutable(b.status))) count++;
  }
  return count;
}
