/**
 * The config schema is built on demand and dropped after validation (src/config/schema.ts): a
 * schema kept by the module would be live heap that every full collection of a running gateway
 * marks for nothing.
 */
import { describe, expect, test } from "bun:test";
import * as library from "../../../mod.ts";
import * as schemaModule from "../../../src/config/schema.ts";

describe("the config schema", () => {
  test("the module keeps no schema object: only the builder and constants", () => {
    const kept = Object.entries(schemaModule)
      .filter(([, value]) => typeof value === "object" && value !== null && "_zod" in value)
      .map(([name]) => name);
    expect(kept).toEqual([]);
  });

  test("each build is a new schema that validates and fills the defaults", () => {
    const first = schemaModule.buildConfigSchema();
    expect(first).not.toBe(schemaModule.buildConfigSchema());
    expect(first.parse({}).server.port).toBe(8000);
  });

  test("the library (mod.ts) still exports configSchema, the same schema as a build", () => {
    // A library user's import builds one; `nexus serve` never imports mod.ts.
    expect(library.configSchema.parse({})).toEqual(library.buildConfigSchema().parse({}));
    expect(library.configSchema.safeParse({ server: { port: -1 } }).success).toBe(false);
  });
});
