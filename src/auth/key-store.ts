/**
 * The keys of an instance: the keys file (the only place they persist), the ring every request
 * reads, and — with Redis — the registry all instances share. Every change goes through
 * `create`, `revoke` or `merge`: the ring first (the next request sees it), then the file
 * (atomically, mode 0600, one write at a time), then Redis (other instances within a second).
 * When Redis comes back, each side gets the other's newer records.
 * @module
 */
import type { Clock } from "../lib/clock.ts";
import { describeError, NexusError } from "../lib/errors.ts";
import type { Logger } from "../lib/logger.ts";
import { RuntimeFileError } from "../runtime/mod.ts";
import { type RedisLink, SharedRecords, type StateFiles } from "../state/mod.ts";
import { generateKey, hashKey } from "./key-material.ts";
import { KeyRing } from "./key-ring.ts";
import {
  keyNameProblem,
  type KeyRecord,
  parseKeysFile,
  parseRecord,
  serialiseKeys,
} from "./records.ts";

export interface KeyStoreDeps {
  readonly path: string;
  readonly files: StateFiles;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly redis?: RedisLink;
}

export interface NewKey {
  readonly name: string;
  readonly models?: readonly string[] | null;
  readonly rpm?: number | null;
  readonly tpm?: number | null;
  readonly concurrency?: number | null;
  readonly expires_at?: string | null;
}

export class KeyError extends NexusError {
  constructor(readonly kind: "invalid" | "conflict" | "not_found", message: string) {
    super(`E_KEY_${kind.toUpperCase()}`, message);
  }
}

export class KeyStore {
  readonly ring = new KeyRing();
  readonly #deps: KeyStoreDeps;
  readonly #shared: SharedRecords | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(deps: KeyStoreDeps) {
    this.#deps = deps;
    if (deps.redis) {
      const redis = deps.redis;
      this.#shared = new SharedRecords(redis, deps.clock, (records) => this.#mergeShared(records));
      redis.onReady(() => this.#reconcile());
    }
  }

  get path(): string {
    return this.#deps.path;
  }

  /** Reads the keys file; a missing one holds no keys, a broken one stops the start. */
  async load(): Promise<void> {
    await this.#read();
  }

  /**
   * Reads the keys file again (a config reload): records newer than the ones known replace them.
   * Resolves how many changed; rejects, changing nothing, when the file is broken.
   */
  reread(): Promise<number> {
    return this.#read();
  }

  async #read(): Promise<number> {
    let text: string;
    try {
      text = await this.#deps.files.readTextFile(this.#deps.path);
    } catch (error) {
      if (error instanceof RuntimeFileError && error.kind === "not_found") return 0;
      throw new NexusError(
        "E_KEYS_FILE",
        `Cannot read the keys file ${this.#deps.path} ([auth] keys_file): ${describeError(error)}`,
      );
    }
    const records = parseKeysFile(text);
    if (typeof records === "string") {
      throw new NexusError(
        "E_KEYS_FILE",
        `The keys file ${this.#deps.path} ([auth] keys_file) is not valid: ${records}`,
      );
    }
    let changed = 0;
    for (const record of records) if (this.ring.put(record)) changed++;
    return changed;
  }

  /** Starts sharing through Redis (polling for other instances' changes). */
  start(): void {
    this.#shared?.start();
  }

  stop(): void {
    this.#shared?.stop();
  }

  list(): KeyRecord[] {
    return this.ring.list().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** A new key: the record is kept, the key itself is returned once and never stored. */
  async create(input: NewKey): Promise<{ key: string; record: KeyRecord }> {
    const problem = keyNameProblem(input.name);
    if (problem) throw new KeyError("invalid", problem);
    const existing = this.ring.get(input.name);
    if (existing?.enabled) {
      throw new KeyError("conflict", `A key named "${input.name}" exists already`);
    }
    const key = generateKey();
    const now = this.#stamp(existing);
    const record: KeyRecord = {
      name: input.name,
      hash: hashKey(key),
      created_at: now,
      updated_at: now,
      expires_at: input.expires_at ?? null,
      models: input.models === undefined || input.models === null ? null : [...input.models],
      rpm: input.rpm ?? null,
      tpm: input.tpm ?? null,
      concurrency: input.concurrency ?? null,
      enabled: true,
      revoked_at: null,
    };
    await this.#change(record);
    return { key, record };
  }

  /** Revokes a key for good (the record stays, disabled, so no instance can bring it back). */
  async revoke(name: string): Promise<KeyRecord> {
    const existing = this.ring.get(name);
    if (existing === undefined || !existing.enabled) {
      throw new KeyError("not_found", `No active key named "${name}"`);
    }
    const now = this.#stamp(existing);
    const record: KeyRecord = { ...existing, enabled: false, revoked_at: now, updated_at: now };
    await this.#change(record);
    return record;
  }

  /** Now, as an ISO date strictly after the record it replaces (so it always wins a merge). */
  #stamp(previous: KeyRecord | undefined): string {
    let now = this.#deps.clock.now();
    if (previous !== undefined) now = Math.max(now, Date.parse(previous.updated_at) + 1);
    return new Date(now).toISOString();
  }

  async #change(record: KeyRecord): Promise<void> {
    this.ring.put(record);
    await this.#save();
    await this.#shared?.publish(sharedOf(record));
  }

  #save(): Promise<void> {
    const write = this.#writing.then(() =>
      this.#deps.files.writeFileAtomic(this.#deps.path, serialiseKeys(this.ring.list()), {
        mode: 0o600,
      })
    );
    // A failed write must not block the next one; the caller still hears about it.
    this.#writing = write.catch(() => {});
    return write;
  }

  /** Records from Redis: the newer of each name is kept, and saved if anything changed. */
  #mergeShared(texts: readonly string[]): void {
    let changed = false;
    for (const text of texts) {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        continue;
      }
      const record = parseRecord(value);
      if (typeof record !== "string" && this.ring.put(record)) changed = true;
    }
    if (changed) {
      this.#save().catch((error) =>
        this.#deps.logger.warn("cannot write the keys file", {
          file: this.#deps.path,
          error: describeError(error),
        })
      );
    }
  }

  /** Redis is (back) up: it gets our newer records, we get its. */
  async #reconcile(): Promise<void> {
    const shared = this.#shared!;
    for (const record of this.ring.list()) await shared.publish(sharedOf(record));
    const records = await shared.all();
    if (records !== undefined) this.#mergeShared(records);
  }
}

function sharedOf(record: KeyRecord) {
  return {
    name: record.name,
    json: JSON.stringify(record),
    updatedAt: record.updated_at,
    liveHash: record.enabled ? record.hash : "",
  };
}

export { keyNameProblem };
