/** The queue's order: priority, then arrival; a low request that waited long counts as normal. */
import { describe, expect, test } from "bun:test";
import { type Priority, type Waiting, WaitQueue } from "../../../src/admission/wait-queue.ts";

interface Item extends Waiting<string> {
  readonly name: string;
}

let seq = 0;
function item(name: string, priority: Priority, queuedAt: number, backends = ["a"]): Item {
  return { name, priority, queuedAt, seq: seq++, accepts: (b) => backends.includes(b) };
}

function drain(queue: WaitQueue<string, Item>, backend: string, now: number): string[] {
  const names: string[] = [];
  for (let next = queue.takeFor(backend, now); next; next = queue.takeFor(backend, now)) {
    names.push(next.name);
  }
  return names;
}

describe("WaitQueue", () => {
  test("high before normal before low; first come first served within a priority", () => {
    const queue = new WaitQueue<string, Item>(30_000);
    for (const x of [item("n1", "normal", 0), item("l1", "low", 0), item("h1", "high", 1)]) {
      queue.add(x);
    }
    queue.add(item("n2", "normal", 2));
    queue.add(item("h2", "high", 3));
    expect(queue.size).toBe(5);
    expect(drain(queue, "a", 10)).toEqual(["h1", "h2", "n1", "n2", "l1"]);
    expect(queue.size).toBe(0);
  });

  test("a low request waiting longer than the promotion time goes ahead of newer normal ones", () => {
    const queue = new WaitQueue<string, Item>(30_000);
    queue.add(item("old-low", "low", 0));
    queue.add(item("normal", "normal", 20_000));
    // Not yet promoted: normal first.
    const early = new WaitQueue<string, Item>(30_000);
    early.add(item("old-low", "low", 0));
    early.add(item("normal", "normal", 20_000));
    expect(drain(early, "a", 25_000)).toEqual(["normal", "old-low"]);
    // Promoted: it arrived first, so it is served first.
    expect(drain(queue, "a", 30_001)).toEqual(["old-low", "normal"]);
  });

  test("a freed slot goes to the first request that backend can serve, skipping the others", () => {
    const queue = new WaitQueue<string, Item>(30_000);
    queue.add(item("wants-b", "high", 0, ["b"]));
    queue.add(item("wants-a", "normal", 1, ["a"]));
    queue.add(item("either", "normal", 2, ["a", "b"]));
    expect(queue.takeFor("a", 5)?.name).toBe("wants-a");
    expect(queue.takeFor("a", 5)?.name).toBe("either");
    expect(queue.takeFor("a", 5)).toBeUndefined();
    expect(queue.takeFor("b", 5)?.name).toBe("wants-b");
  });

  test("positionOf counts who is ahead, and says -1 once the request has left", () => {
    const queue = new WaitQueue<string, Item>(30_000);
    const a = item("a", "normal", 0);
    const b = item("b", "low", 1);
    const c = item("c", "high", 2);
    for (const x of [a, b, c]) queue.add(x);
    expect(queue.positionOf(c, 5)).toBe(0);
    expect(queue.positionOf(a, 5)).toBe(1);
    expect(queue.positionOf(b, 5)).toBe(2);
    expect(queue.remove(a)).toBe(true);
    expect(queue.remove(a)).toBe(false);
    expect(queue.positionOf(a, 5)).toBe(-1);
    expect(queue.positionOf(b, 5)).toBe(1);
    expect(queue.depth("low")).toBe(1);
    expect(queue.takeAll().map((x) => x.name).sort()).toEqual(["b", "c"]);
    expect(queue.size).toBe(0);
  });
});
