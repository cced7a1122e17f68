import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
  envLayer,
  fileLayer,
  flagsLayer,
  mergeLayers,
  sourceOf,
} from "../../../src/config/layers.ts";

describe("mergeLayers()", () => {
  test("a later layer wins key by key and keeps sibling keys from earlier layers", () => {
    const merged = mergeLayers([
      fileLayer({ server: { host: "10.0.0.1", port: 1 } }, "nexus.toml"),
      envLayer({ NEXUS_PORT: "2" }),
    ]);
    expect(merged.values).toEqual({ server: { host: "10.0.0.1", port: 2 } });
    expect(merged.sources.get("server.host")).toBe("nexus.toml");
    expect(merged.sources.get("server.port")).toBe("env NEXUS_PORT");
  });

  test("replaces arrays whole instead of merging them", () => {
    const merged = mergeLayers([
      fileLayer({ discovery: { service_types: ["_a._tcp", "_b._tcp"] } }, "a.toml"),
      fileLayer({ discovery: { service_types: ["_c._tcp"] } }, "b.toml"),
    ]);
    expect(merged.values).toEqual({ discovery: { service_types: ["_c._tcp"] } });
  });

  test("property: for any key set by several layers, the last layer's value and source win", () => {
    const keys = fc.constantFrom("server.host", "server.port", "logging.level", "routing.strategy");
    const layer = fc.dictionary(keys, fc.oneof(fc.string(), fc.integer()), { maxKeys: 4 });
    fc.assert(
      fc.property(fc.array(layer, { minLength: 1, maxLength: 5 }), (specs) => {
        const layers = specs.map((spec, index) => fileLayer(nest(spec), `layer${index}`));
        const merged = mergeLayers(layers);
        for (const key of ["server.host", "server.port", "logging.level", "routing.strategy"]) {
          const lastIndex = specs.findLastIndex((spec) => key in spec);
          const [section, leaf] = key.split(".") as [string, string];
          const actual = (merged.values[section] as Record<string, unknown> | undefined)?.[leaf];
          if (lastIndex === -1) {
            expect(actual).toBeUndefined();
            expect(sourceOf(merged.sources, [section, leaf])).toBe("default");
          } else {
            expect(actual).toEqual(specs[lastIndex]![key]);
            expect(sourceOf(merged.sources, [section, leaf])).toBe(`layer${lastIndex}`);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe("envLayer()", () => {
  test("reads the NEXUS_* variables onto their config keys", () => {
    const layer = envLayer({
      NEXUS_HOST: "127.0.0.1",
      NEXUS_PORT: "9000",
      NEXUS_LOG_LEVEL: "debug",
      NEXUS_LOG_FORMAT: "json",
      NEXUS_DISCOVERY: "false",
      NEXUS_HEALTH_CHECK: "1",
    });
    expect(layer.values).toEqual({
      server: { host: "127.0.0.1", port: 9000 },
      logging: { level: "debug", format: "json" },
      discovery: { enabled: false },
      health_check: { enabled: true },
    });
  });

  test("keeps a value that is not a number or boolean as a string for the schema to reject", () => {
    expect(envLayer({ NEXUS_PORT: "80a", NEXUS_DISCOVERY: "maybe" }).values).toEqual({
      server: { port: "80a" },
      discovery: { enabled: "maybe" },
    });
  });

  test("treats empty variables as unset", () => {
    expect(envLayer({ NEXUS_PORT: "", NEXUS_HOST: "  " }).values).toEqual({});
  });

  test("ignores variables it does not know", () => {
    expect(envLayer({ NEXUS_SOMETHING: "x", PATH: "/bin" }).values).toEqual({});
  });
});

describe("flagsLayer()", () => {
  test("maps serve flags onto config keys with the flag as source", () => {
    const layer = flagsLayer({
      port: "9001",
      host: "::1",
      "log-level": "warn",
      "no-discovery": true,
      "no-health-check": true,
    });
    expect(layer.values).toEqual({
      server: { port: 9001, host: "::1" },
      logging: { level: "warn" },
      discovery: { enabled: false },
      health_check: { enabled: false },
    });
    expect(layer.sources.get("server.port")).toBe("flag --port");
  });
});

function nest(flat: Record<string, unknown>): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [key, value] of Object.entries(flat)) {
    const [section, leaf] = key.split(".") as [string, string];
    (out[section] ??= {})[leaf] = value;
  }
  return out;
}
