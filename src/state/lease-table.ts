/**
 * The concurrency leases Redis granted to requests still running on this instance, for renewal
 * (every lease listed) and for the end of each request (its lease given back). An array of
 * slots with a free list, not a `Map` keyed by lease: each request takes a slot at admission and
 * frees it at its end, and on Bun a `Set` or `Map` that gains and loses an entry per request keeps
 * the entries deleted since the last collection reachable for the next young-generation one,
 * which marks and promotes them (specs/023-performance-floor/walkthrough.md, "Sixth round";
 * src/exchange/inflight.ts). The table grows to the most leases ever held at once, no further.
 * @module
 */

export class LeaseTable {
  /** Each slot's lease (a request's unique id); `undefined` in a free slot. */
  readonly #leases: (string | undefined)[] = [];
  /** Each slot's Redis key of the leases of the request's key name. */
  readonly #keys: (string | undefined)[] = [];
  /** Free slots, reused before the table grows. */
  readonly #free: number[] = [];
  #size = 0;

  /** Leases held now. */
  get size(): number {
    return this.#size;
  }

  /** Holds `lease` (kept in Redis under `key`) until `release`; returns its slot. */
  hold(lease: string, key: string): number {
    const slot = this.#free.pop() ?? this.#leases.length;
    this.#leases[slot] = lease;
    this.#keys[slot] = key;
    this.#size++;
    return slot;
  }

  /**
   * Frees `slot` if it holds `lease` (a slot freed before and reused by another request is left
   * alone); returns the lease's Redis key, or undefined when it held no such lease.
   */
  release(slot: number, lease: string): string | undefined {
    if (this.#leases[slot] !== lease) return undefined;
    const key = this.#keys[slot];
    this.#leases[slot] = this.#keys[slot] = undefined;
    this.#free.push(slot);
    this.#size--;
    return key;
  }

  /** Every lease held, with its Redis key at the same index (for one RENEW). */
  list(): { keys: string[]; leases: string[] } {
    const keys: string[] = [];
    const leases: string[] = [];
    for (let slot = 0; slot < this.#leases.length; slot++) {
      const lease = this.#leases[slot];
      if (lease === undefined) continue;
      leases.push(lease);
      keys.push(this.#keys[slot]!);
    }
    return { keys, leases };
  }
}
