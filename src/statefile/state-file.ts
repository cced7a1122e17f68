/**
 * The state file (`[server] state_file`): backends added at run time (`nexus backends add`,
 * `POST /v1/backends`) are written there and added again at the next start, so they survive a
 * restart. `--ephemeral` backends and backends found by mDNS are not kept. What backends with
 * `wake` listed when last awake is kept too: asleep at the next start, they are still found by
 * model (and woken by a request for one).
 *
 * Writes are atomic (a temporary file, flushed, renamed over: the runtime's `writeFileAtomic`),
 * coalesced (a burst of changes is one write) and one at a time. A file that cannot be read as a
 * state file is moved aside with a warning, never a failed start; a write that fails is a
 * warning too. A config-file backend with the same name or URL always wins over a stored one.
 * @module
 */
import type { Clock, TimerHandle } from "../lib/clock.ts";
import { describeError } from "../lib/errors.ts";
import type { Logger } from "../lib/logger.ts";
import type { Backend, Registry } from "../registry/mod.ts";
import { RuntimeFileError } from "../runtime/mod.ts";
import type { Runtime } from "../runtime/mod.ts";
import {
  parseState,
  rememberedModels,
  serialise,
  type StoredBackend,
  type StoredState,
} from "./format.ts";

export type StateFiles = Pick<
  Runtime,
  "readTextFile" | "writeFileAtomic" | "renameFile" | "makeDirectory"
>;

export interface StateFileDeps {
  readonly path: string;
  readonly files: StateFiles;
  readonly clock: Clock;
  readonly logger: Logger;
}

export class StateFile {
  readonly path: string;
  readonly #deps: StateFileDeps;
  #stored: StoredState = { backends: [], models: {} };
  #timer: TimerHandle | undefined;
  #writing: Promise<void> | undefined;
  #dirty = false;
  #lastError: string | undefined;
  #registry: Registry | undefined;

  constructor(deps: StateFileDeps) {
    this.#deps = deps;
    this.path = deps.path;
  }

  /** Reads the file: missing means none; unreadable as a state file, moved aside. Never throws. */
  async load(): Promise<readonly StoredBackend[]> {
    const { files, logger } = this.#deps;
    let text: string;
    try {
      text = await files.readTextFile(this.path);
    } catch (error) {
      // Bytes that are not UTF-8 are a corrupt file, kept aside like one: left in place, the
      // next save would write over the only copy.
      if (error instanceof RuntimeFileError && error.kind === "not_utf8") {
        await this.#moveAside("not valid UTF-8 text");
        return [];
      }
      if (!(error instanceof RuntimeFileError && error.kind === "not_found")) {
        logger.warn("cannot read the state file; starting without run-time backends", {
          path: this.path,
          reason: describeError(error),
        });
      }
      return [];
    }
    const parsed = parseState(text);
    if ("problem" in parsed) {
      await this.#moveAside(parsed.problem);
      return [];
    }
    this.#stored = parsed;
    return parsed.backends;
  }

  /**
   * Adds the stored backends to `registry` (after the config's): one whose name or URL a
   * backend already has is skipped, and the conflict logged — the config file wins.
   */
  restore(registry: Registry): Backend[] {
    const restored: Backend[] = [];
    for (const stored of this.#stored.backends) {
      const clash = registry.get(stored.name) ?? registry.findByUrl(stored.url);
      if (clash) {
        this.#deps.logger.warn("state file backend skipped: the config file has it", {
          backend: stored.name,
          url: stored.url,
          config_backend: clash.name,
          same: clash.name === stored.name ? "name" : "url",
        });
        continue;
      }
      restored.push(registry.add({ ...stored, source: "manual" }));
    }
    if (restored.length > 0) {
      this.#deps.logger.info("run-time backends restored from the state file", {
        path: this.path,
        backends: restored.map((backend) => backend.name).join(","),
      });
    }
    // A backend that can sleep may be asleep now: what it listed last time still routes to it.
    for (const backend of registry.list()) {
      const models = this.#stored.models[backend.name];
      if (backend.wake === undefined || backend.models.length > 0 || !models) continue;
      registry.setModels(backend.name, models);
    }
    return restored;
  }

  /** Keeps the file in step with `registry`'s run-time backends from now on. */
  attach(registry: Registry): () => void {
    this.#registry = registry;
    return registry.onChange((event) => {
      const { backend } = event;
      if (event.kind === "models" || event.kind === "removed" || event.kind === "updated") {
        if (backend.wake !== undefined) return this.#schedule();
      }
      if (event.kind !== "added" && event.kind !== "removed" && event.kind !== "updated") return;
      if (backend.source === "manual" && !backend.ephemeral) this.#schedule();
    });
  }

  /** Writes what is pending now (shutdown); resolves when the file is on disk. */
  async flush(): Promise<void> {
    if (this.#timer !== undefined) {
      this.#deps.clock.clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#dirty = true;
    }
    while (this.#writing || this.#dirty) {
      if (this.#writing) await this.#writing;
      else this.#write();
    }
  }

  #schedule(): void {
    this.#dirty = true;
    if (this.#timer !== undefined || this.#writing) return;
    // A burst of changes (a reload, a script adding ten backends) becomes one write.
    this.#timer = this.#deps.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#write();
    }, 0);
  }

  #write(): void {
    if (!this.#dirty || this.#writing || this.#registry === undefined) {
      this.#dirty = false;
      return;
    }
    this.#dirty = false;
    const list = this.#registry.list();
    const backends: StoredBackend[] = list
      .filter((backend) => backend.source === "manual" && !backend.ephemeral)
      .map(({ name, url, type, priority }) => ({ name, url, type, priority }));
    const models: StoredState["models"] = {};
    for (const backend of list) {
      if (backend.wake !== undefined && backend.models.length > 0) {
        models[backend.name] = rememberedModels(backend.models);
      }
    }
    const text = serialise({ backends, models }, this.#deps.clock.now());
    this.#writing = this.#save(text).finally(() => {
      this.#writing = undefined;
      if (this.#dirty) this.#schedule();
    });
  }

  async #save(text: string): Promise<void> {
    const { files, logger } = this.#deps;
    try {
      const slash = this.path.lastIndexOf("/");
      if (slash > 0) await files.makeDirectory(this.path.slice(0, slash));
      await files.writeFileAtomic(this.path, text, { mode: 0o600 });
      if (this.#lastError !== undefined) {
        logger.info("state file written again", { path: this.path });
      }
      this.#lastError = undefined;
    } catch (error) {
      const reason = describeError(error);
      // Once per distinct problem: a read-only disk would otherwise log on every change.
      if (reason !== this.#lastError) {
        logger.warn("cannot write the state file; run-time backends will not survive a restart", {
          path: this.path,
          reason,
        });
      }
      this.#lastError = reason;
    }
  }

  async #moveAside(problem: string): Promise<void> {
    const { files, logger, clock } = this.#deps;
    const stamp = new Date(clock.now()).toISOString().replace(/[:.]/g, "-");
    const aside = `${this.path}.corrupt-${stamp}`;
    try {
      await files.renameFile(this.path, aside);
      logger.warn("state file is not valid; moved it aside and started without it", {
        path: this.path,
        moved_to: aside,
        problem,
      });
    } catch (error) {
      logger.warn("state file is not valid and cannot be moved aside; starting without it", {
        path: this.path,
        problem,
        reason: describeError(error),
      });
    }
  }
}
