import { describe, expect, test } from "bun:test";
import { BatchedWriter } from "../../../src/lib/batched-writer.ts";
import { Logger } from "../../../src/lib/logger.ts";
import { FakeClock } from "../../helpers/fake-clock.ts";

describe("BatchedWriter", () => {
  test("gathers lines into one write after the delay, and leaves no timer behind", () => {
    const clock = new FakeClock();
    const writes: string[] = [];
    const out = new BatchedWriter((text) => writes.push(text), clock, 10);
    out.write("a\n");
    out.write("b\n");
    expect(writes).toEqual([]);
    clock.advance(9);
    expect(writes).toEqual([]);
    clock.advance(1);
    expect(writes).toEqual(["a\nb\n"]);
    expect(clock.pending).toBe(0);
  });

  test("a write that fails on the timer (stdout closed) loses its lines, not the process", () => {
    const clock = new FakeClock();
    let broken = true;
    const writes: string[] = [];
    const out = new BatchedWriter(
      (text) => {
        if (broken) throw new Error("Broken pipe");
        writes.push(text);
      },
      clock,
      10,
    );
    out.write("lost\n");
    expect(() => clock.advance(10)).not.toThrow();
    broken = false;
    out.write("next\n");
    clock.advance(10);
    expect(writes).toEqual(["next\n"]);
  });

  test("flush writes at once; a burst past 64 KiB is written without waiting", () => {
    const clock = new FakeClock();
    const writes: string[] = [];
    const out = new BatchedWriter((text) => writes.push(text), clock, 10);
    out.write("x\n");
    out.flush();
    expect(writes).toEqual(["x\n"]);
    expect(clock.pending).toBe(0);
    out.flush();
    expect(writes.length).toBe(1);
    const line = "y".repeat(1023) + "\n";
    for (let i = 0; i < 64; i++) out.write(line);
    expect(writes.length).toBe(2);
    expect(writes[1]!.length).toBe(64 * 1024);
  });

  test("a logger flushes warnings and errors at once, info lines wait", () => {
    const clock = new FakeClock();
    const writes: string[] = [];
    const out = new BatchedWriter((text) => writes.push(text), clock, 10);
    const logger = new Logger({
      level: "info",
      format: "json",
      write: (line) => out.write(line),
      flush: () => out.flush(),
      now: () => clock.now(),
    });
    logger.info("routine");
    expect(writes).toEqual([]);
    logger.warn("look");
    expect(writes.length).toBe(1);
    expect(writes[0]!.split("\n").filter(Boolean).map((l) => JSON.parse(l).message)).toEqual([
      "routine",
      "look",
    ]);
  });
});
