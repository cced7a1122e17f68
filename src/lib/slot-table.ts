/**
 * Values in numbered slots, a freed slot reused before the table grows: for something long-lived
 * that gains and loses an entry per request (the drain's forwardings, the dashboard's requests in
 * flight, the Redis leases of keys mode). The holder keeps the slot `add` returns and hands it
 * back to `remove`: no lookup by value, no hashing.
 *
 * Why not a `Set` or `Map`: on Bun 1.4.5 one that gains and loses an entry per request keeps every
 * entry deleted since the last collection reachable for the next young-generation (eden)
 * collection, which marks and promotes each of them with everything it reaches; the old
 * generation fills with dead requests and full collections come 3–4 × as often (the drain's `Set`:
 * collection time 14–20 against 4.4–4.6 µs per request; specs/023-performance-floor/walkthrough.md,
 * "Sixth round", measured with bench/gc-log.ts). Here a removed value's slot is cleared at once, so
 * nothing keeps it. Two plain arrays and a count: no closure, no entry object, nothing allocated
 * per value once the table has grown to the most values held at once (it never grows further).
 *
 * A slot is only a number: once its value is removed it may hold another. A holder that can come
 * late (its table cleared meanwhile, or its slot freed by someone else) removes with the value it
 * expects, and then leaves another's alone.
 * @module
 */

export class SlotTable<T extends NonNullable<unknown>> {
  /** The values, by slot; `undefined` in a free slot. */
  readonly #slots: (T | undefined)[] = [];
  /** Free slots of `#slots`, the last freed reused first. */
  readonly #free: number[] = [];
  #size = 0;

  /** Values held now. */
  get size(): number {
    return this.#size;
  }

  /** Holds `value` until `remove`; returns its slot (a freed one if any, else a new one). */
  add(value: T): number {
    const slot = this.#free.length > 0 ? this.#free.pop()! : this.#slots.length;
    this.#slots[slot] = value;
    this.#size++;
    return slot;
  }

  /**
   * Frees `slot` and returns the value it held, cleared from the table. With `expected`, only
   * when that is the value in it. A free slot, or one never given out, frees nothing (undefined).
   */
  remove(slot: number, expected?: T): T | undefined {
    // A stale slot after `clear`, or −1 (none), is not read past the ends of the array.
    if (slot < 0 || slot >= this.#slots.length) return undefined;
    const value = this.#slots[slot];
    if (value === undefined || (expected !== undefined && value !== expected)) return undefined;
    this.#slots[slot] = undefined;
    this.#free.push(slot);
    this.#size--;
    return value;
  }

  /**
   * Calls `visit` with each value held and its slot, in slot order. Each slot is read when the
   * walk reaches it: a value `visit` removes is not visited afterwards, and `clear` ends the walk.
   */
  forEach(visit: (value: T, slot: number) => void): void {
    const slots = this.#slots;
    for (let slot = 0; slot < slots.length; slot++) {
      const value = slots[slot];
      if (value !== undefined) visit(value, slot);
    }
  }

  /** The values held, in slot order: a copy, unchanged by what is added or removed after. */
  values(): T[] {
    const values: T[] = [];
    for (const value of this.#slots) if (value !== undefined) values.push(value);
    return values;
  }

  /** Lets go of every value; slots given out before are free again, to be given out anew. */
  clear(): void {
    this.#slots.length = 0;
    this.#free.length = 0;
    this.#size = 0;
  }
}
