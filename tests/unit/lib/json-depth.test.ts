/** The nesting scan counts brackets outside strings only, escapes included. */
import { describe, expect, test } from "bun:test";
import { nestsDeeperThan } from "../../../src/lib/json-depth.ts";

const nested = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`;

describe("nestsDeeperThan", () => {
  test("counts arrays and objects", () => {
    expect(nestsDeeperThan(nested(4), 3)).toBe(true);
    expect(nestsDeeperThan(nested(3), 3)).toBe(false);
    expect(nestsDeeperThan('{"a":{"b":{"c":{}}}}', 3)).toBe(true);
    expect(nestsDeeperThan('{"a":[{"c":1},{"d":2}],"e":[[1]]}  ', 3)).toBe(false);
  });

  test("brackets inside strings, escaped quotes included, do not count", () => {
    const text = JSON.stringify({ a: "[[[[[[[[[[", b: 'say \\"[[[[[[[[[["', c: "\\" });
    expect(nestsDeeperThan(text, 1)).toBe(false);
    expect(nestsDeeperThan(`[${text}]`, 1)).toBe(true);
  });

  test("a string ending in an escaped backslash ends at its quote", () => {
    // `"\\"`: the quote after two backslashes closes the string; the brackets that follow are
    // in the next string, not outside one.
    const text = JSON.stringify({ path: "C:\\", note: "[[[[", more: "\\\\", list: "{{{{" });
    expect(nestsDeeperThan(text, 1)).toBe(false);
  });
});
