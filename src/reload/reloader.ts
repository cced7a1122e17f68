/**
 * A config reload, whoever asks (SIGHUP, the file watch, `POST /v1/config/reload`): read the
 * config again the way `nexus serve` did (same file, environment and flags), validate it whole,
 * and only then apply it as a diff. An invalid config changes nothing: every error is logged,
 * naming key, value and source, as at startup. Reloads run one at a time; one asked for while
 * another runs waits for it and then reads the file again.
 * @module
 */
import { ConfigError, type LoadedConfig, type NexusConfig } from "../config/mod.ts";
import { describeError } from "../lib/errors.ts";
import type { Logger } from "../lib/logger.ts";
import { type ConfigDiff, diffConfig, isEmptyDiff, valueAt } from "./diff.ts";

export interface ReloadReport {
  /** False when the new config was rejected (nothing changed). */
  readonly ok: boolean;
  /** What asked: `SIGHUP`, `file change`, `api` … */
  readonly source: string;
  /** The file read (or, rejected, the file at fault), or null when running on defaults. */
  readonly config: string | null;
  /** One line per change applied. */
  readonly applied: readonly string[];
  /** Settings that changed in the file but need a restart (left as they were). */
  readonly restart: readonly string[];
  /** Warnings of the new config (unknown keys …). */
  readonly warnings: readonly string[];
  /** Why it was rejected: one `key: message (from source)` line each. */
  readonly errors: readonly string[];
}

export interface ReloaderDeps {
  readonly logger: Logger;
  /** Reads and validates the config again (throws ConfigError). */
  readonly load: () => Promise<LoadedConfig>;
  /** The config running now. */
  readonly current: () => NexusConfig;
  /** Applies a validated config; returns one line per change applied. */
  readonly apply: (next: NexusConfig, diff: ConfigDiff) => string[];
}

export class Reloader {
  readonly #deps: ReloaderDeps;
  #running: Promise<ReloadReport> | undefined;
  #queued: Promise<ReloadReport> | undefined;

  constructor(deps: ReloaderDeps) {
    this.#deps = deps;
  }

  /** Reloads now, or right after the reload running now; never rejects. */
  reload(source: string): Promise<ReloadReport> {
    if (this.#running === undefined) return this.#start(source);
    // Several asks while one runs need one more read of the file, not one each.
    this.#queued ??= this.#running.then(() => {
      this.#queued = undefined;
      return this.#start(source);
    });
    return this.#queued;
  }

  #start(source: string): Promise<ReloadReport> {
    const running = this.#run(source).finally(() => {
      if (this.#running === running) this.#running = undefined;
    });
    this.#running = running;
    return running;
  }

  async #run(source: string): Promise<ReloadReport> {
    const { logger } = this.#deps;
    let loaded: LoadedConfig;
    try {
      loaded = await this.#deps.load();
    } catch (error) {
      const errors = error instanceof ConfigError && error.issues.length > 0
        ? [...error.issues]
        : [error instanceof ConfigError ? error.message : describeError(error)];
      // The file that was read (or named and missing), as a successful reload names it.
      const file = error instanceof ConfigError ? error.file : undefined;
      logger.error("config reload rejected: nothing was changed", {
        source,
        config: file ?? "defaults",
      });
      for (const line of errors) logger.error(`config: ${line}`);
      return {
        ok: false,
        source,
        config: file ?? null,
        applied: [],
        restart: [],
        warnings: [],
        errors,
      };
    }
    const { config: next, path, warnings } = loaded;
    for (const warning of warnings) logger.warn(`config: ${warning}`);
    const previous = this.#deps.current();
    const diff = diffConfig(previous, next);
    const restart = diff.restart.map((key) =>
      `${key}: ${show(valueAt(previous, key))} → ${
        show(valueAt(next, key))
      } needs a restart (still ${show(valueAt(previous, key))})`
    );
    const applied = isEmptyDiff(diff) ? [] : this.#deps.apply(next, diff);
    for (const line of restart) logger.warn(`config: ${line}`);
    logger.info(applied.length ? "config reloaded" : "config reloaded: no change to apply", {
      source,
      config: path ?? "defaults",
      changes: applied.length,
      needs_restart: restart.length || undefined,
    });
    for (const line of applied) logger.info(`config: ${line}`);
    return {
      ok: true,
      source,
      config: path ?? null,
      applied,
      restart,
      warnings: [...warnings],
      errors: [],
    };
  }
}

/**
 * The first line of a rejected reload, in every place that reports one (the HTTP answer,
 * `nexus reload`): it names the file, as the log line's `config` field does.
 */
export function rejectionHeadline(config: string | null): string {
  return config === null
    ? "Config reload rejected; nothing was changed"
    : `Config reload of ${config} rejected; nothing was changed`;
}

function show(value: unknown): string {
  return value === undefined ? "(unset)" : JSON.stringify(value);
}
