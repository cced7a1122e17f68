/**
 * API keys (`[auth] mode = "keys"`), put together: the key store (file, ring, Redis registry),
 * the limit store, the usage book and the guard the exchange asks. Built by the gateway only in
 * keys mode: with auth off nothing here exists and a request pays nothing for it.
 * @module
 */
import type { NexusConfig } from "../config/mod.ts";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/logger.ts";
import { describeError } from "../lib/errors.ts";
import { type RedisLink, SharedLimits, type StateFiles, UsageBook } from "../state/mod.ts";
import { KeyGuard } from "./guard.ts";
import { KeyStore } from "./key-store.ts";
import type { UseOutcome } from "./pass.ts";
import { AuthThrottle } from "./throttle.ts";

export interface AuthDeps {
  readonly config: NexusConfig["auth"];
  /** `[auth] keys_file`, resolved beside the config file. */
  readonly keysFile: string;
  readonly files: StateFiles;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly redis?: RedisLink;
  /** The model a requested name reaches (the router's alias resolution). */
  readonly resolveModel: (model: string) => string;
  /** Told of every request's use under a key (the metrics' `key` label). */
  readonly onUse?: (name: string, outcome: UseOutcome) => void;
}

/** `nexus-keys.json` → `nexus-keys.usage.jsonl`, beside it. */
export function usageFileOf(keysFile: string): string {
  return keysFile.replace(/\.json$/, "") + ".usage.jsonl";
}

export class Auth {
  readonly keys: KeyStore;
  readonly usage: UsageBook;
  readonly limits: SharedLimits;
  readonly guard: KeyGuard;
  readonly #deps: AuthDeps;
  readonly #throttle: AuthThrottle;
  #settings: NexusConfig["auth"];

  constructor(deps: AuthDeps) {
    this.#deps = deps;
    const { clock, logger, files, redis } = deps;
    this.#settings = deps.config;
    this.#throttle = new AuthThrottle(clock, logger, deps.config.failures_per_minute);
    this.keys = new KeyStore({
      path: deps.keysFile,
      files,
      clock,
      logger,
      ...(redis ? { redis } : {}),
    });
    this.usage = new UsageBook({
      path: usageFileOf(deps.keysFile),
      files,
      clock,
      logger,
      ...(redis ? { redis } : {}),
    });
    this.limits = new SharedLimits(clock, redis);
    this.guard = new KeyGuard({
      ring: this.keys.ring,
      limits: this.limits,
      throttle: this.#throttle,
      clock,
      resolveModel: deps.resolveModel,
      recordUse: (name, outcome) => this.#recordUse(name, outcome),
    });
  }

  /** Loads the keys and usage files (a broken keys file stops the start) and starts sharing. */
  async start(): Promise<void> {
    await this.keys.load();
    await this.usage.load();
    this.keys.start();
    const usable = this.keys.list().filter((record) => record.enabled).length;
    if (usable === 0) {
      this.#deps.logger.warn(
        "[auth] mode is keys but no key exists yet: every inference request is refused (401) " +
          "until one is created with: nexus keys create NAME",
        { keys_file: this.#deps.keysFile },
      );
    } else {
      this.#deps.logger.info("API keys on", { keys: usable, keys_file: this.#deps.keysFile });
    }
  }

  /** Who may read /metrics, /v1/stats and /ui/events (`[auth] metrics`). */
  get metricsAccess(): NexusConfig["auth"]["metrics"] {
    return this.#settings.metrics;
  }

  /**
   * A config reload: applies `[auth] metrics` and `failures_per_minute` and reads the keys file
   * again (keys added or edited there take effect). `mode` and `keys_file` need a restart
   * (reload/diff.ts). Returns the lines for the reload's report.
   */
  configure(settings: NexusConfig["auth"]): string[] {
    const lines: string[] = [];
    if (settings.metrics !== this.#settings.metrics) {
      lines.push(`auth.metrics: ${settings.metrics}`);
    }
    if (settings.failures_per_minute !== this.#settings.failures_per_minute) {
      this.#throttle.configure(settings.failures_per_minute);
      lines.push(`auth.failures_per_minute: ${settings.failures_per_minute}`);
    }
    this.#settings = {
      ...settings,
      mode: this.#settings.mode,
      keys_file: this.#settings.keys_file,
    };
    this.keys.reread().then(
      (changed) => {
        if (changed > 0) this.#deps.logger.info("keys file re-read", { changed });
      },
      (error) =>
        this.#deps.logger.warn("keys file not re-read: the keys in effect are kept", {
          error: describeError(error),
        }),
    );
    return lines;
  }

  async stop(): Promise<void> {
    this.keys.stop();
    this.limits.stop();
    await this.usage.stop();
  }

  #recordUse(name: string, outcome: UseOutcome): void {
    this.usage.record(name, outcome.model ?? "none", {
      requests: 1,
      errors: outcome.failed ? 1 : 0,
      prompt_tokens: outcome.promptTokens ?? 0,
      completion_tokens: outcome.completionTokens ?? 0,
    });
    this.#deps.onUse?.(name, outcome);
  }
}
