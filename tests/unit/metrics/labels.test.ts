import { describe, expect, test } from "bun:test";
import { LabelCache, NONE, OTHER, sanitiseLabel } from "../../../src/metrics/mod.ts";

describe("sanitiseLabel()", () => {
  test("keeps real model and backend names as they are", () => {
    for (const name of ["llama3:8b", "qwen2.5-coder:32b-instruct-q4_K_M", "gpu-box.local-11434"]) {
      expect(sanitiseLabel(name)).toBe(name);
    }
  });

  test("replaces control characters and lone surrogates, which would break the text format", () => {
    expect(sanitiseLabel("a\nb\u0000c\u007f")).toBe("a_b_c_");
    expect(sanitiseLabel("x\ud800y")).toBe("x_y");
    expect(sanitiseLabel("emoji 🦙")).toBe("emoji 🦙");
  });

  test("cuts long values and names the empty one", () => {
    expect(sanitiseLabel("m".repeat(10_000))).toHaveLength(128);
    expect(sanitiseLabel("")).toBe(NONE);
  });
});

describe("LabelCache", () => {
  test("admits values up to its capacity, then maps newcomers to other", () => {
    const cache = new LabelCache(3);
    expect(["a", "b", "c", "d", "e"].map((v) => cache.get(v))).toEqual([
      "a",
      "b",
      "c",
      OTHER,
      OTHER,
    ]);
    expect(cache.get("b")).toBe("b");
    expect(cache.size).toBe(3);
  });

  test("remembers a huge value by its cut form only", () => {
    const cache = new LabelCache(10);
    const huge = "z".repeat(100_000);
    expect(cache.get(huge)).toBe("z".repeat(128));
    expect(cache.get(huge)).toBe("z".repeat(128));
    expect(cache.size).toBe(1);
  });
});
