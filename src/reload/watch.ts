/**
 * `[server] watch_config`: reloads when the config file changes. Editors save in bursts (write a
 * temporary file, rename it over, touch it again): changes are debounced, and a reload starts
 * only once the file has been quiet for `DEBOUNCE_MS`. A file that cannot be watched is one
 * warning; SIGHUP and `nexus reload` still work.
 * @module
 */
import type { Clock, TimerHandle } from "../lib/clock.ts";
import { describeError } from "../lib/errors.ts";
import type { Logger } from "../lib/logger.ts";
import type { FileWatch } from "../runtime/mod.ts";

/** Quiet time after the last change before the reload. */
export const DEBOUNCE_MS = 500;

export interface ConfigWatchDeps {
  readonly path: string;
  readonly watchFile: (path: string, onChange: () => void) => FileWatch;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly reload: () => void;
}

export class ConfigWatch {
  readonly #deps: ConfigWatchDeps;
  #watch: FileWatch | undefined;
  #timer: TimerHandle | undefined;

  constructor(deps: ConfigWatchDeps) {
    this.#deps = deps;
  }

  get watching(): boolean {
    return this.#watch !== undefined;
  }

  start(): void {
    if (this.#watch) return;
    try {
      this.#watch = this.#deps.watchFile(this.#deps.path, () => this.#changed());
      this.#deps.logger.debug("watching the config file", { path: this.#deps.path });
    } catch (error) {
      this.#deps.logger.warn("cannot watch the config file; reload with SIGHUP or nexus reload", {
        path: this.#deps.path,
        reason: describeError(error),
      });
    }
  }

  stop(): void {
    this.#watch?.close();
    this.#watch = undefined;
    if (this.#timer !== undefined) this.#deps.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #changed(): void {
    if (this.#timer !== undefined) this.#deps.clock.clearTimeout(this.#timer);
    this.#timer = this.#deps.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#deps.reload();
    }, DEBOUNCE_MS);
  }
}
