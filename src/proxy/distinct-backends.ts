/**
 * The router's candidates as a forwarding tries them (src/proxy/forward.ts): never the same
 * backend twice, whatever models it was listed for.
 * @module
 */
import type { Backend } from "../registry/mod.ts";
import type { RouteCandidate } from "../routing/mod.ts";

/** The candidates in order, each backend once (the first candidate of a backend wins). */
export function distinctBackends(candidates: readonly RouteCandidate[]): readonly RouteCandidate[] {
  if (candidates.length < 2) return candidates;
  const seen = new Set<Backend>();
  return candidates.filter((candidate) => {
    if (seen.has(candidate.backend)) return false;
    seen.add(candidate.backend);
    return true;
  });
}
