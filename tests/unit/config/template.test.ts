import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { parse } from "smol-toml";
import {
  buildConfigSchema,
  FULL_TEMPLATE,
  MINIMAL_TEMPLATE,
  validateConfig,
} from "../../../src/config/mod.ts";

describe("config templates", () => {
  test("the full template loads back to exactly the defaults, with no warnings", () => {
    const { config, warnings } = validateConfig(parse(FULL_TEMPLATE) as Record<string, unknown>);
    expect(warnings).toEqual([]);
    expect(config).toEqual(buildConfigSchema().parse({}));
  });

  test("the minimal template loads back to exactly the defaults, with no warnings", () => {
    const { config, warnings } = validateConfig(parse(MINIMAL_TEMPLATE) as Record<string, unknown>);
    expect(warnings).toEqual([]);
    expect(config).toEqual(buildConfigSchema().parse({}));
  });

  test("the full template writes out every key the schema has", () => {
    const defaults = buildConfigSchema().parse({}) as Record<string, unknown>;
    for (const [section, values] of Object.entries(defaults)) {
      if (Array.isArray(values)) continue;
      for (const [key, value] of Object.entries(values as object)) {
        if (value !== null && typeof value === "object" && !Array.isArray(value)) {
          expect(FULL_TEMPLATE).toContain(`[${section}.${key}]`);
        } else {
          expect(FULL_TEMPLATE).toMatch(new RegExp(`^${key} = `, "m"));
        }
      }
      expect(FULL_TEMPLATE).toContain(`[${section}]`);
    }
    expect(FULL_TEMPLATE).toMatch(/^# admin_token = /m);
    expect(FULL_TEMPLATE).toMatch(/^# \[\[backends\]\]/m);
  });

  test("the commented [[backends]] examples load once uncommented; a backend without a type is auto", () => {
    for (const template of [FULL_TEMPLATE, MINIMAL_TEMPLATE]) {
      const start = template.search(/^# \[\[backends\]\]/m);
      const examples = template.slice(start).split("\n")
        .filter((line) => line.startsWith("# ") && !line.startsWith("# type:"))
        .filter((line) => !/^# +\|/.test(line))
        .map((line) => line.slice(2)).join("\n");
      const { config, warnings } = validateConfig(parse(examples) as Record<string, unknown>);
      expect(warnings).toEqual([]);
      expect(config.backends.length).toBeGreaterThan(0);
      expect(config.backends[0]!.type).toBe("auto");
    }
    expect(validateConfig({ backends: [{ url: "http://a:8080" }] }).config.backends[0]!.type)
      .toBe("auto");
  });

  test("nexus.example.toml is the full template", () => {
    const example = readFileSync(
      new URL("../../../nexus.example.toml", import.meta.url).pathname,
      "utf8",
    );
    expect(example).toBe(FULL_TEMPLATE);
  });
});
