/**
 * The config diff a reload applies: backends by name (added, removed, changed with the keys that
 * changed), every other key that differs, and which of those need a restart.
 */
import { describe, expect, test } from "bun:test";
import { validateConfig } from "../../../src/config/mod.ts";
import { diffConfig, isEmptyDiff } from "../../../src/reload/mod.ts";

const load = (input: Record<string, unknown>) => validateConfig(input).config;

describe("diffConfig()", () => {
  const before = load({
    server: { port: 8000 },
    routing: { aliases: { fast: "a" } },
    backends: [
      { name: "keep", url: "http://keep:1" },
      { name: "change", url: "http://change:1", priority: 10 },
      { name: "drop", url: "http://drop:1" },
    ],
  });

  test("the same config: nothing", () => {
    expect(isEmptyDiff(diffConfig(
      before,
      load({
        server: { port: 8000 },
        routing: { aliases: { fast: "a" } },
        backends: before.backends,
      }),
    ))).toBe(true);
  });

  test("backends added, removed and changed; other keys; restart keys apart", () => {
    const after = load({
      server: { port: 9000, max_body_bytes: 1024 },
      logging: { level: "debug" },
      routing: { aliases: { fast: "b" } },
      backends: [
        { name: "keep", url: "http://keep:1" },
        { name: "change", url: "http://change:2", priority: 20 },
        { name: "new", url: "http://new:1", wake: { mac: "aa:bb:cc:dd:ee:ff" } },
      ],
    });
    const diff = diffConfig(before, after);
    expect(diff.added.map((b) => b.name)).toEqual(["new"]);
    expect(diff.removed.map((b) => b.name)).toEqual(["drop"]);
    expect(diff.changed.map((c) => [c.name, c.fields])).toEqual([["change", ["priority", "url"]]]);
    expect(diff.keys).toEqual([
      "server.max_body_bytes",
      "server.port",
      "routing.aliases",
      "logging.level",
    ]);
    expect(diff.restart).toEqual(["server.port"]);
  });
});
