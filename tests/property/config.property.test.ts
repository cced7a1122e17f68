/**
 * Fuzzing the config loader: any file content, and any mutation of the real template, either
 * loads or fails with a ConfigError whose message names the file — never another exception.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ConfigError, FULL_TEMPLATE, loadConfig } from "../../src/config/mod.ts";
import { createFakeRuntime } from "../helpers/fake-runtime.ts";

async function loadText(text: string): Promise<void> {
  const runtime = createFakeRuntime({ files: { "fuzz.toml": text } });
  try {
    await loadConfig({ runtime, env: {}, flags: { config: "fuzz.toml" } });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message.includes("fuzz.toml") || message.startsWith("Invalid configuration:")).toBe(
      true,
    );
    expect(message).not.toContain("    at ");
  }
}

const lines = FULL_TEMPLATE.split("\n");

describe("loadConfig() under fuzzing", () => {
  test("random text", async () => {
    await fc.assert(fc.asyncProperty(fc.string({ maxLength: 400 }), loadText), { numRuns: 300 });
  });

  test("the template with lines dropped, duplicated or rewritten", async () => {
    const mutation = fc.array(
      fc.record({
        line: fc.nat({ max: lines.length - 1 }),
        action: fc.constantFrom("drop", "duplicate", "replace-value", "garble"),
        text: fc.string({ maxLength: 20 }),
      }),
      { minLength: 1, maxLength: 6 },
    );
    await fc.assert(
      fc.asyncProperty(mutation, async (changes) => {
        const mutated = [...lines];
        for (const { line, action, text } of changes) {
          const current = mutated[line] ?? "";
          if (action === "drop") mutated.splice(line, 1);
          else if (action === "duplicate") mutated.splice(line, 0, current);
          else if (action === "replace-value") {
            mutated[line] = current.replace(/=.*/, `= ${JSON.stringify(text)}`);
          } else mutated[line] = current.slice(0, text.length) + text;
        }
        await loadText(mutated.join("\n"));
      }),
      { numRuns: 300 },
    );
  });

  test("values of every type in every key", async () => {
    const keys = lines.map((l) => /^(\w+) = /.exec(l)?.[1]).filter((k): k is string =>
      k !== undefined
    );
    const value = fc.oneof(
      fc.integer().map(String),
      fc.double({ noNaN: true }).map((n) => (Number.isFinite(n) ? n.toExponential() : "inf")),
      fc.boolean().map(String),
      fc.string({ maxLength: 10 }).map((s) => JSON.stringify(s)),
      fc.constant('[1, "a", true]'),
      fc.constant("{ a = 1 }"),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...keys), value, async (key, v) => {
        await loadText(FULL_TEMPLATE.replace(new RegExp(`^${key} = .*$`, "m"), `${key} = ${v}`));
      }),
      { numRuns: 300 },
    );
  });
});
