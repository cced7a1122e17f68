/** `[[preload]]`: loads at start and every day at a local time, on a fake clock. */
import { describe, expect, test } from "bun:test";
import { failure } from "../../../src/lib/failures.ts";
import { Logger } from "../../../src/lib/logger.ts";
import type { ModelLifecycle } from "../../../src/lifecycle/mod.ts";
import { msUntil, Preloader } from "../../../src/lifecycle/preload.ts";
import { validateConfig } from "../../../src/config/mod.ts";
import { FakeClock } from "../../helpers/fake-clock.ts";

function fakeLifecycle(calls: string[], failing = false) {
  return {
    load(model: string, options: { backend?: string; keepAlive?: string | number }) {
      calls.push(
        `${model}@${options.backend ?? "any"}` +
          (options.keepAlive === undefined ? "" : ` keep_alive=${options.keepAlive}`),
      );
      return Promise.resolve(
        failing ? failure("upstream_failed", "down") : {
          model,
          action: "load" as const,
          backends: ["gpu"],
          unchanged: [],
        },
      );
    },
  } as unknown as ModelLifecycle;
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("msUntil()", () => {
  test("the next local HH:MM: later today, or tomorrow once it has passed", () => {
    const now = new Date(2026, 11, 7, 6, 0, 0).getTime();
    expect(msUntil("07:30", now)).toBe(90 * 60 * 1000);
    expect(msUntil("06:00", now)).toBe(24 * 60 * 60 * 1000);
    expect(msUntil("05:59", now)).toBe((23 * 60 + 59) * 60 * 1000);
  });
});

describe("Preloader", () => {
  test("loads on_start models at once and daily ones at their time, every day", async () => {
    const clock = new FakeClock(new Date(2026, 11, 7, 6, 0, 0).getTime());
    const lines: string[] = [];
    const calls: string[] = [];
    const preloader = new Preloader([
      { model: "llama3:8b", on_start: true },
      { model: "qwen2.5-coder:7b", backend: "gpu", at: "07:30", keep_alive: "8h" },
    ], {
      lifecycle: fakeLifecycle(calls),
      clock,
      logger: new Logger({ level: "info", format: "json", write: (l) => lines.push(l) }),
    });
    await preloader.start();
    expect(calls).toEqual(["llama3:8b@any"]);
    clock.advance(90 * 60 * 1000 - 1);
    await flush();
    expect(calls).toHaveLength(1);
    clock.advance(1);
    await flush();
    expect(calls).toEqual(["llama3:8b@any", "qwen2.5-coder:7b@gpu keep_alive=8h"]);
    clock.advance(24 * 60 * 60 * 1000);
    await flush();
    expect(calls.filter((c) => c.startsWith("qwen"))).toHaveLength(2);
    expect(lines.map((l) => JSON.parse(l).message)).toEqual([
      "preloaded",
      "preloaded",
      "preloaded",
    ]);
    preloader.stop();
    expect(clock.pending).toBe(0);
  });

  test("a failed preload is logged at warn and tried again the next day, not in a loop", async () => {
    const clock = new FakeClock(new Date(2026, 11, 7, 6, 0, 0).getTime());
    const lines: string[] = [];
    const calls: string[] = [];
    const preloader = new Preloader([{ model: "m", at: "06:30" }], {
      lifecycle: fakeLifecycle(calls, true),
      clock,
      logger: new Logger({ level: "info", format: "json", write: (l) => lines.push(l) }),
    });
    await preloader.start();
    clock.advance(30 * 60 * 1000);
    await flush();
    expect(calls).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: "warn", message: "preload failed" });
    expect(clock.pending).toBe(1);
    preloader.stop();
  });
});

describe("[[preload]] config", () => {
  test("needs at or on_start, and a valid local time", () => {
    expect(() => validateConfig({ preload: [{ model: "m" }] })).toThrow(/needs at = "HH:MM"/);
    expect(() => validateConfig({ preload: [{ model: "m", at: "25:00" }] })).toThrow(
      /preload\[0\]\.at: must be a local time/,
    );
    // Kept loaded until unloaded or evicted by default: Ollama's own 5 minutes would undo it.
    expect(validateConfig({ preload: [{ model: "m", at: "07:05" }] }).config.preload).toEqual([
      { model: "m", at: "07:05", on_start: false, keep_alive: -1 },
    ]);
    expect(
      validateConfig({ preload: [{ model: "m", on_start: true, keep_alive: "2h" }] }).config
        .preload[0]!.keep_alive,
    ).toBe("2h");
    expect(() => validateConfig({ preload: [{ model: "m", on_start: true, keep_alive: true }] }))
      .toThrow(/preload\[0\]\.keep_alive/);
  });
});
