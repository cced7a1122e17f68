/**
 * The slot table behind the drain's forwardings, the dashboard's requests in flight and keys
 * mode's Redis leases (src/lib/slot-table.ts): slots reused before the table grows, a removed
 * value let go at once, a late holder unable to free another's slot.
 */
import { describe, expect, test } from "bun:test";
import { SlotTable } from "../../../src/lib/slot-table.ts";

/** Values compared by identity, as the tables' callers hold them. */
const item = (name: string) => ({ name });

describe("SlotTable", () => {
  test("reuses a freed slot before it grows, the last freed first", () => {
    const table = new SlotTable<string>();
    expect(["a", "b", "c"].map((value) => table.add(value))).toEqual([0, 1, 2]);
    expect(table.remove(0)).toBe("a");
    expect(table.remove(2)).toBe("c");
    expect(table.size).toBe(1);
    expect(table.add("d")).toBe(2);
    expect(table.add("e")).toBe(0);
    expect(table.add("f")).toBe(3);
    expect(table.size).toBe(4);
    expect(table.values()).toEqual(["e", "b", "d", "f"]);
  });

  test("clears a removed value's slot: the table keeps nothing of it", () => {
    const table = new SlotTable<{ name: string }>();
    const first = item("first"), second = item("second");
    const slot = table.add(first);
    table.add(second);
    expect(table.remove(slot)).toBe(first);
    // The freed slot is read as empty by every walk, before and after it is given out again.
    expect(table.values()).toEqual([second]);
    const seen: unknown[] = [];
    table.forEach((value) => seen.push(value));
    expect(seen).toEqual([second]);
    const third = item("third");
    expect(table.add(third)).toBe(slot);
    expect(table.values()).toEqual([third, second]);
  });

  test("frees a slot once: a free slot, one never given out, or −1 frees nothing", () => {
    const table = new SlotTable<string>();
    const slot = table.add("a");
    table.add("b");
    expect(table.remove(slot)).toBe("a");
    expect(table.remove(slot)).toBeUndefined();
    expect(table.remove(7)).toBeUndefined();
    expect(table.remove(-1)).toBeUndefined();
    expect(table.size).toBe(1);
    // Freed once, so given out once: the next two values get two different slots.
    expect([table.add("c"), table.add("d")]).toEqual([slot, 2]);
  });

  test("with the value expected, leaves a slot that now holds another alone", () => {
    const table = new SlotTable<{ name: string }>();
    const old = item("old");
    const slot = table.add(old);
    table.remove(slot, old);
    const later = item("later");
    expect(table.add(later)).toBe(slot);
    expect(table.remove(slot, old)).toBeUndefined();
    expect(table.values()).toEqual([later]);
    expect(table.remove(slot, later)).toBe(later);
    expect(table.size).toBe(0);
  });

  test("after clear, slots start again at 0 and a stale holder's expected value frees nothing", () => {
    const table = new SlotTable<{ name: string }>();
    const old = item("old");
    table.add(item("x"));
    const slot = table.add(old);
    table.remove(0);
    table.clear();
    expect(table.size).toBe(0);
    expect(table.values()).toEqual([]);
    const fresh = [item("a"), item("b")];
    expect(fresh.map((value) => table.add(value))).toEqual([0, 1]);
    expect(table.remove(slot, old)).toBeUndefined();
    expect(table.values()).toEqual(fresh);
  });

  test("forEach visits each value with its slot in slot order, not one removed during the walk", () => {
    const table = new SlotTable<string>();
    for (const value of ["a", "b", "c", "d"]) table.add(value);
    table.remove(1);
    const seen: [string, number][] = [];
    table.forEach((value, slot) => {
      seen.push([value, slot]);
      // Removing the current value and a later one: the later one is not visited.
      if (value === "a") {
        table.remove(slot);
        table.remove(3);
      }
    });
    expect(seen).toEqual([["a", 0], ["c", 2]]);
    expect(table.values()).toEqual(["c"]);
  });

  test("forEach stops when the table is cleared during the walk", () => {
    const table = new SlotTable<string>();
    for (const value of ["a", "b", "c"]) table.add(value);
    const seen: string[] = [];
    table.forEach((value) => {
      seen.push(value);
      table.clear();
    });
    expect(seen).toEqual(["a"]);
  });

  test("values is a copy: clearing or removing afterwards leaves it whole", () => {
    const table = new SlotTable<string>();
    for (const value of ["a", "b", "c"]) table.add(value);
    table.remove(1);
    const values = table.values();
    table.clear();
    expect(values).toEqual(["a", "c"]);
  });
});
