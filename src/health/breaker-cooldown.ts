/**
 * The circuit breakers' clock and voice: when a backend's breaker opens (its requests failed,
 * src/registry/breaker.ts), this schedules the end of its cool-down (`breaker_cooldown_seconds`,
 * from the Clock; the registry is told when, for refusals' Retry-After) and logs each transition
 * once — open, half-open (one trial request), closed.
 * @module
 */
import type { Clock, TimerHandle } from "../lib/clock.ts";
import type { Logger } from "../lib/logger.ts";
import type { Registry, RegistryEvent } from "../registry/mod.ts";

export interface BreakerCooldownDeps {
  readonly registry: Registry;
  readonly clock: Clock;
  readonly logger: Logger;
  /** `[health_check]` breaker settings (a reload may replace them: `configure`). */
  readonly settings: BreakerTimings;
}

export interface BreakerTimings {
  readonly breaker_failures: number;
  readonly breaker_window: number;
  readonly breaker_cooldown_seconds: number;
}

export class BreakerCooldowns {
  readonly #deps: BreakerCooldownDeps;
  readonly #timers = new Map<string, TimerHandle>();
  #settings: BreakerTimings;
  #unsubscribe: (() => void) | undefined;

  constructor(deps: BreakerCooldownDeps) {
    this.#deps = deps;
    this.#settings = deps.settings;
  }

  start(): void {
    this.#unsubscribe ??= this.#deps.registry.onChange((event) => this.#onEvent(event));
  }

  /** New thresholds and cool-down: breakers open now keep the cool-down they started with. */
  configure(settings: BreakerTimings): void {
    this.#settings = settings;
    this.#deps.registry.configureBreakers({
      failures: settings.breaker_failures,
      window: settings.breaker_window,
    });
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    for (const timer of this.#timers.values()) this.#deps.clock.clearTimeout(timer);
    this.#timers.clear();
  }

  #onEvent(event: RegistryEvent): void {
    const name = event.backend.name;
    if (event.kind === "removed") return this.#clear(name);
    if (event.kind !== "breaker") return;
    const { logger, clock, registry } = this.#deps;
    const state = event.backend.breaker.state;
    if (state === "open") {
      const seconds = this.#settings.breaker_cooldown_seconds;
      logger.warn("backend circuit breaker open", {
        backend: name,
        after: event.previous === "half_open"
          ? "the trial request failed"
          : `${this.#settings.breaker_failures} of the last ${this.#settings.breaker_window} requests failed`,
        cooldown_seconds: seconds,
        last_error: event.backend.last_error,
      });
      this.#clear(name);
      this.#timers.set(
        name,
        clock.setTimeout(() => {
          this.#timers.delete(name);
          registry.coolBreaker(name);
        }, seconds * 1000),
      );
      registry.breakerCoolsAt(name, clock.monotonic() + seconds * 1000);
    } else if (state === "half_open") {
      logger.info("backend circuit breaker half-open: one trial request may go", {
        backend: name,
      });
    } else {
      logger.info("backend circuit breaker closed", { backend: name });
    }
  }

  #clear(name: string): void {
    const timer = this.#timers.get(name);
    if (timer === undefined) return;
    this.#deps.clock.clearTimeout(timer);
    this.#timers.delete(name);
  }
}
