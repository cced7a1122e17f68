/**
 * Health: the pure status state machine and the checker loop that drives it.
 *
 * ```ts
 * const checker = new HealthChecker({ registry, clock, logger, fetch, config: config.health_check, apiKeyFor });
 * await checker.start(); // first round done
 * ```
 * @module
 */
export {
  type BreakerCooldownDeps,
  BreakerCooldowns,
  type BreakerTimings,
} from "./breaker-cooldown.ts";
export {
  HealthChecker,
  type HealthCheckerDeps,
  type HealthSettings,
  NO_LLM_SERVER,
} from "./checker.ts";
export {
  type CheckResult,
  type HealthState,
  INITIAL_STATE,
  type Thresholds,
  transition,
} from "./state.ts";
