/**
 * The Reloader: a valid config is diffed and applied, with a report; an invalid one changes
 * nothing and reports every error as the config loader words it; reloads asked for while one
 * runs become one more reload, not many; restart keys are reported, not applied.
 */
import { describe, expect, test } from "bun:test";
import {
  ConfigError,
  type LoadedConfig,
  type NexusConfig,
  validateConfig,
} from "../../../src/config/mod.ts";
import { Logger } from "../../../src/lib/logger.ts";
import { type ConfigDiff, Reloader } from "../../../src/reload/mod.ts";

const load = (input: Record<string, unknown>) => validateConfig(input).config;

function setup(initial: NexusConfig) {
  let current = initial;
  const lines: string[] = [];
  const logger = new Logger({ level: "debug", format: "json", write: (l) => lines.push(l) });
  const applied: ConfigDiff[] = [];
  let next: () => Promise<LoadedConfig> = () =>
    Promise.resolve({ config: current, path: "nexus.toml", warnings: [] });
  let loads = 0;
  const reloader = new Reloader({
    logger,
    load: () => {
      loads++;
      return next();
    },
    current: () => current,
    apply: (config, diff) => {
      applied.push(diff);
      current = config;
      return diff.keys.map((key) => `${key} changed`);
    },
  });
  return {
    reloader,
    lines,
    applied,
    get loads() {
      return loads;
    },
    set next(value: () => Promise<LoadedConfig>) {
      next = value;
    },
    get current() {
      return current;
    },
  };
}

describe("Reloader", () => {
  test("a valid change is applied and reported", async () => {
    const s = setup(load({ routing: { aliases: { fast: "a" } } }));
    s.next = () =>
      Promise.resolve({
        config: load({ routing: { aliases: { fast: "b" } }, server: { port: 9000 } }),
        path: "nexus.toml",
        warnings: ['unknown key "x" ignored (from nexus.toml)'],
      });
    const report = await s.reloader.reload("SIGHUP");
    expect(report).toEqual({
      ok: true,
      source: "SIGHUP",
      config: "nexus.toml",
      applied: ["server.port changed", "routing.aliases changed"],
      restart: ["server.port: 8000 → 9000 needs a restart (still 8000)"],
      warnings: ['unknown key "x" ignored (from nexus.toml)'],
      errors: [],
    });
    expect(s.lines.some((l) => l.includes('"config reloaded"'))).toBe(true);
  });

  test("an invalid config changes nothing; every error is reported and logged", async () => {
    const start = load({});
    const s = setup(start);
    s.next = () =>
      Promise.reject(
        new ConfigError("E_CONFIG_INVALID", "Invalid configuration:", [
          "server.port: must be <= 65535, got 70000 (from nexus.toml)",
          'routing.strategy: expected one of smart|round_robin|priority_only|random, got "fastest" (from nexus.toml)',
        ]),
      );
    const report = await s.reloader.reload("file change");
    expect(report.ok).toBe(false);
    expect(report.errors).toHaveLength(2);
    expect(s.applied).toEqual([]);
    expect(s.current).toBe(start);
    expect(s.lines.filter((l) => l.includes("must be <= 65535, got 70000"))).toHaveLength(1);
  });

  test("no change: nothing applied", async () => {
    const s = setup(load({}));
    const report = await s.reloader.reload("api");
    expect(report.applied).toEqual([]);
    expect(s.applied).toEqual([]);
  });

  test("reloads asked for while one runs: one more read of the file, not one each", async () => {
    const s = setup(load({}));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    s.next = async () => {
      await gate;
      return { config: load({ logging: { level: "debug" } }), path: "nexus.toml", warnings: [] };
    };
    const first = s.reloader.reload("a");
    const second = s.reloader.reload("b");
    const third = s.reloader.reload("c");
    release();
    await Promise.all([first, second, third]);
    expect(s.loads).toBe(2);
    expect(second).toBe(third);
  });
});
