/**
 * The concurrency leases Redis granted to requests still running on this instance, for renewal
 * (every lease listed) and for the end of each request (its lease given back). A `SlotTable`
 * (src/lib/slot-table.ts), not a `Map` keyed by lease: each request takes a slot at admission and
 * frees it at its end, and a `Map` that gains and loses an entry per request costs the collector
 * on Bun (specs/023-performance-floor/walkthrough.md, "Sixth round"). Each lease's Redis key sits
 * beside it, at the same slot of a plain array: no object per lease.
 * @module
 */
import { SlotTable } from "../lib/slot-table.ts";

export class LeaseTable {
  /** Each lease held (a request's unique id), in the slot `hold` returned. */
  readonly #leases = new SlotTable<string>();
  /** Each held slot's Redis key of the leases of the request's key name; `undefined` when free. */
  readonly #keys: (string | undefined)[] = [];

  /** Leases held now. */
  get size(): number {
    return this.#leases.size;
  }

  /** Holds `lease` (kept in Redis under `key`) until `release`; returns its slot. */
  hold(lease: string, key: string): number {
    const slot = this.#leases.add(lease);
    this.#keys[slot] = key;
    return slot;
  }

  /**
   * Frees `slot` if it holds `lease` (a slot freed before and reused by another request is left
   * alone); returns the lease's Redis key, or undefined when it held no such lease.
   */
  release(slot: number, lease: string): string | undefined {
    if (this.#leases.remove(slot, lease) === undefined) return undefined;
    const key = this.#keys[slot];
    this.#keys[slot] = undefined;
    return key;
  }

  /** Every lease held, with its Redis key at the same index (for one RENEW). */
  list(): { keys: string[]; leases: string[] } {
    const keys: string[] = [];
    const leases: string[] = [];
    this.#leases.forEach((lease, slot) => {
      leases.push(lease);
      keys.push(this.#keys[slot]!);
    });
    return { keys, leases };
  }
}
