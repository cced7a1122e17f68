/**
 * `[[preload]]`: models kept warm on purpose — loaded once the first health round has found the
 * backends (`on_start = true`), and/or every day at a local time (`at = "07:30"`, say before the
 * household wakes up). Each run is logged; a failure is retried at the next occasion, never in a
 * loop. Timers come from the Clock.
 * @module
 */
import type { Clock, TimerHandle } from "../lib/clock.ts";
import { isFailure } from "../lib/failures.ts";
import type { Logger } from "../lib/logger.ts";
import type { ModelLifecycle } from "./lifecycle.ts";

export interface PreloadEntry {
  readonly model: string;
  readonly backend?: string;
  /** Daily local time `HH:MM`. */
  readonly at?: string;
  readonly on_start?: boolean;
  /** Ollama's `keep_alive` for the load. */
  readonly keep_alive?: string | number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export class Preloader {
  readonly #entries: readonly PreloadEntry[];
  readonly #lifecycle: ModelLifecycle;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #timers = new Set<TimerHandle>();
  #stopped = false;

  constructor(
    entries: readonly PreloadEntry[],
    deps: { lifecycle: ModelLifecycle; clock: Clock; logger: Logger },
  ) {
    this.#entries = entries;
    this.#lifecycle = deps.lifecycle;
    this.#clock = deps.clock;
    this.#logger = deps.logger;
  }

  /** Loads the `on_start` models now and schedules the daily ones. */
  async start(): Promise<void> {
    for (const entry of this.#entries) if (entry.at !== undefined) this.#schedule(entry);
    await Promise.all(this.#entries.filter((e) => e.on_start).map((e) => this.#run(e, "start")));
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) this.#clock.clearTimeout(timer);
    this.#timers.clear();
  }

  #schedule(entry: PreloadEntry): void {
    if (this.#stopped) return;
    const timer = this.#clock.setTimeout(() => {
      this.#timers.delete(timer);
      void this.#run(entry, entry.at!).finally(() => this.#schedule(entry));
    }, msUntil(entry.at!, this.#clock.now()));
    this.#timers.add(timer);
  }

  async #run(entry: PreloadEntry, when: string): Promise<void> {
    const result = await this.#lifecycle.load(entry.model, {
      ...(entry.backend === undefined ? {} : { backend: entry.backend }),
      ...(entry.keep_alive === undefined ? {} : { keepAlive: entry.keep_alive }),
    });
    const fields = { model: entry.model, when, backend: entry.backend };
    if (isFailure(result)) {
      this.#logger.warn("preload failed", { ...fields, reason: result.message });
    } else {
      const on = result.backends.length > 0 ? result.backends : result.unchanged;
      this.#logger.info("preloaded", { ...fields, backend: on.join(",") });
    }
  }
}

/** Milliseconds from `now` (epoch ms) to the next local `HH:MM` (tomorrow if it has passed). */
export function msUntil(at: string, now: number): number {
  const [hours, minutes] = at.split(":").map(Number) as [number, number];
  const next = new Date(now);
  next.setHours(hours, minutes, 0, 0);
  let ms = next.getTime() - now;
  if (ms <= 0) ms += DAY_MS;
  return ms;
}
