import { describe, expect, test } from "bun:test";
import { topLevelMembers } from "../../../src/lib/json-text.ts";

/** Each member as `key=value text`, so a wrong start or end shows in the text. */
function members(text: string): string[] {
  return [...topLevelMembers(text)].map(({ key, start, end }) =>
    `${key}=${text.slice(start, end)}`
  );
}

describe("topLevelMembers()", () => {
  test("gives each top-level value's exact text, whitespace and nesting around it left out", () => {
    const text =
      '{ "a" : 1e309 ,"b":[{"model":"x"},"]"] ,\n"c": {"d": "}"}, "e":"q\\"\\\\", "f": null }';
    expect(members(text)).toEqual([
      "a=1e309",
      'b=[{"model":"x"},"]"]',
      'c={"d": "}"}',
      'e="q\\"\\\\"',
      "f=null",
    ]);
  });

  test("unescapes a key spelled with escapes, as JSON.parse reads it", () => {
    expect(members('{"mod\\u0065l":"m","st\\"x":true}')).toEqual(['model="m"', 'st"x=true']);
  });

  test("an empty object, or a body that is not an object, has none", () => {
    expect(members("{}")).toEqual([]);
    expect(members(" { } ")).toEqual([]);
    expect(members("[1]")).toEqual([]);
  });
});
