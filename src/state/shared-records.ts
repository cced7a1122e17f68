/**
 * The key registry shared through Redis: each instance publishes its key records (the newer
 * `updated_at` wins, atomically), and polls a revision counter every POLL_MS to hear of keys
 * created or revoked elsewhere — so a revocation reaches every instance within POLL_MS plus one
 * round trip (the admit script also refuses a revoked key at once). Records are opaque JSON here;
 * src/auth owns their meaning.
 * @module
 */
import type { Clock, TimerHandle } from "../lib/clock.ts";
import { describeError } from "../lib/errors.ts";
import type { RedisLink } from "./redis-link.ts";
import { KEY_RECORDS, KEYS_REVISION, LIVE_KEYS } from "./shared-limits.ts";
import { UPSERT_KEY } from "./scripts.ts";

export const POLL_MS = 1000;

export interface SharedRecord {
  readonly name: string;
  /** The record as JSON, with its `updated_at`. */
  readonly json: string;
  readonly updatedAt: string;
  /** The key's hash while the key is usable; "" once revoked or disabled. */
  readonly liveHash: string;
}

export class SharedRecords {
  readonly #link: RedisLink;
  readonly #clock: Clock;
  readonly #onRecords: (records: readonly string[]) => void;
  #revision: string | undefined;
  #timer: TimerHandle | undefined;
  #polling = false;

  /** `onRecords` hears every record Redis holds, whenever the registry changed. */
  constructor(link: RedisLink, clock: Clock, onRecords: (records: readonly string[]) => void) {
    this.#link = link;
    this.#clock = clock;
    this.#onRecords = onRecords;
  }

  /** Stores `record` unless Redis has a newer one; the JSON Redis keeps, or undefined (down). */
  async publish(record: SharedRecord): Promise<string | undefined> {
    const connection = this.#link.readyConnection;
    if (connection === undefined) return undefined;
    try {
      const kept = await connection.run(UPSERT_KEY, [KEY_RECORDS, LIVE_KEYS, KEYS_REVISION], [
        record.name,
        record.json,
        record.liveHash,
        record.updatedAt,
      ]);
      return typeof kept === "string" ? kept : undefined;
    } catch (error) {
      this.#link.trouble(describeError(error));
      return undefined;
    }
  }

  /** Every record Redis holds now (reconciliation). */
  async all(): Promise<string[] | undefined> {
    const connection = this.#link.readyConnection;
    if (connection === undefined) return undefined;
    try {
      const [revision, records] = await connection.batch([
        ["GET", KEYS_REVISION],
        ["HVALS", KEY_RECORDS],
      ]);
      this.#revision = revision === null ? undefined : String(revision);
      return Array.isArray(records) ? records.map(String) : [];
    } catch (error) {
      this.#link.trouble(describeError(error));
      return undefined;
    }
  }

  start(): void {
    this.#schedule();
  }

  stop(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    this.#timer = this.#clock.setTimeout(() => void this.#poll(), POLL_MS);
  }

  async #poll(): Promise<void> {
    const connection = this.#link.connection;
    if (connection !== undefined && !this.#polling) {
      this.#polling = true;
      try {
        const revision = await connection.command(["GET", KEYS_REVISION]);
        const now = revision === null ? undefined : String(revision);
        if (now !== this.#revision) {
          const records = await this.all();
          if (records !== undefined) this.#onRecords(records);
        }
      } catch (error) {
        this.#link.trouble(describeError(error));
      } finally {
        this.#polling = false;
      }
    }
    if (this.#timer !== undefined) this.#schedule();
  }
}
