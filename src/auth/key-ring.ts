/**
 * The keys an instance knows, indexed by hash for the per-request lookup and by name for the
 * admin API. Records change only through `put` (create, revoke, a newer record from another
 * instance), which keeps both indexes and each key's model matcher in step.
 * @module
 */
import { hashKey, sameHash } from "./key-material.ts";
import { type ModelMatcher, modelMatcher } from "./globs.ts";
import { isUsable, type KeyRecord, newer } from "./records.ts";

export interface KnownKey {
  readonly record: KeyRecord;
  readonly allows: ModelMatcher;
}

export class KeyRing {
  readonly #byName = new Map<string, KnownKey>();
  readonly #byHash = new Map<string, KnownKey>();

  /** The usable key `token` is, or undefined (unknown, revoked, disabled and expired alike). */
  verify(token: string, now: number): KnownKey | undefined {
    const hash = hashKey(token);
    const known = this.#byHash.get(hash);
    if (known === undefined || !sameHash(known.record.hash, hash)) return undefined;
    return isUsable(known.record, now) ? known : undefined;
  }

  get(name: string): KeyRecord | undefined {
    return this.#byName.get(name)?.record;
  }

  list(): KeyRecord[] {
    return [...this.#byName.values()].map((known) => known.record);
  }

  get size(): number {
    return this.#byName.size;
  }

  /** Keeps `record` unless a newer one of its name is known; true when it changed anything. */
  put(record: KeyRecord): boolean {
    const current = this.#byName.get(record.name);
    if (current !== undefined) {
      if (newer(current.record, record) === current.record) return false;
      this.#byHash.delete(current.record.hash);
    }
    const known: KnownKey = { record, allows: modelMatcher(record.models) };
    this.#byName.set(record.name, known);
    if (record.enabled) this.#byHash.set(record.hash, known);
    return true;
  }
}
