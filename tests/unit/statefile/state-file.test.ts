/**
 * The state file on the fake runtime: backends added at run time are written (atomically, mode
 * 0600) and restored; ephemeral, static and mDNS ones are not kept; a config backend with the
 * same name or URL wins (logged); a corrupt file is moved aside with a warning; a failed write
 * is a warning, once.
 */
import { describe, expect, test } from "bun:test";
import { Logger } from "../../../src/lib/logger.ts";
import { Registry } from "../../../src/registry/mod.ts";
import { RuntimeFileError } from "../../../src/runtime/mod.ts";
import { parseState, StateFile } from "../../../src/statefile/mod.ts";
import { FakeClock } from "../../helpers/fake-clock.ts";
import { createFakeRuntime, type FakeRuntime } from "../../helpers/fake-runtime.ts";

const PATH = "/var/lib/nexus/nexus.state.json";

function setup(runtime: FakeRuntime = createFakeRuntime()) {
  const clock = new FakeClock();
  const logs: Array<{ level: string; message: string } & Record<string, unknown>> = [];
  const logger = new Logger({
    level: "debug",
    format: "json",
    write: (line) => logs.push(JSON.parse(line)),
  });
  const state = new StateFile({ path: PATH, files: runtime, clock, logger });
  return { runtime, clock, logs, state };
}

const manual = (name: string, url: string, extra: Record<string, unknown> = {}) => ({
  name,
  url,
  type: "ollama" as const,
  priority: 50,
  source: "manual" as const,
  ...extra,
});

describe("StateFile", () => {
  test("run-time backends are written, mode 0600; ephemeral, static and mDNS ones are not", async () => {
    const { runtime, clock, state } = setup();
    await state.load();
    const registry = new Registry();
    state.attach(registry);
    registry.add({ ...manual("cfg", "http://cfg:1"), source: "static" });
    registry.add({ ...manual("found", "http://found:1"), source: "mdns" });
    registry.add(manual("laptop", "http://laptop:11434"));
    registry.add(manual("temp", "http://temp:1", { ephemeral: true }));
    clock.advance(0);
    await state.flush();
    expect(runtime.modes.get(PATH)).toBe(0o600);
    expect(parseState(runtime.files.get(PATH)!)).toEqual({
      backends: [{ name: "laptop", url: "http://laptop:11434", type: "ollama", priority: 50 }],
      models: {},
    });
    registry.remove("laptop");
    await state.flush();
    expect(parseState(runtime.files.get(PATH)!)).toEqual({ backends: [], models: {} });
  });

  test("restored at the next start, after the config's backends: the config wins on a clash", async () => {
    const first = setup();
    await first.state.load();
    const before = new Registry();
    first.state.attach(before);
    before.add(manual("laptop", "http://laptop:11434"));
    before.add(manual("gpu", "http://gpu:11434"));
    before.add(manual("twin", "http://same-url:1"));
    await first.state.flush();

    const second = setup(first.runtime);
    await second.state.load();
    const after = new Registry();
    after.add({ ...manual("gpu", "http://elsewhere:1"), source: "static" });
    after.add({ ...manual("cfg", "http://same-url:1"), source: "static" });
    const restored = second.state.restore(after);
    expect(restored.map((b) => b.name)).toEqual(["laptop"]);
    expect(after.get("laptop")?.source).toBe("manual");
    expect(after.get("gpu")?.url).toBe("http://elsewhere:1");
    const skipped = second.logs.filter((l) =>
      l.message === "state file backend skipped: the config file has it"
    );
    expect(skipped.map((l) => [l.backend, l.same])).toEqual([["gpu", "name"], ["twin", "url"]]);
  });

  test("what a backend with wake listed is remembered: asleep at the next start, it still routes", async () => {
    const first = setup();
    await first.state.load();
    const before = new Registry();
    first.state.attach(before);
    const wake = {
      mac: "aa:bb:cc:dd:ee:ff",
      broadcast: "255.255.255.255",
      port: 9,
      timeout_seconds: 180,
    };
    before.add({ ...manual("gpu", "http://gpu:11434"), source: "static", wake });
    before.setModels("gpu", [{
      id: "llama3:70b",
      context_length: 8192,
      capabilities: { tools: true },
      loaded: true,
    }]);
    await first.state.flush();

    const second = setup(first.runtime);
    await second.state.load();
    const after = new Registry();
    after.add({ ...manual("gpu", "http://gpu:11434"), source: "static", wake });
    after.add({ ...manual("plain", "http://plain:1"), source: "static" });
    second.state.restore(after);
    expect(after.get("gpu")!.models).toEqual([
      { id: "llama3:70b", capabilities: { tools: true }, context_length: 8192 },
    ]);
    expect(after.get("plain")!.models).toEqual([]);
  });

  test("a corrupt file is moved aside with a warning, and Nexus starts without it", async () => {
    const runtime = createFakeRuntime({ files: { [PATH]: "{ not json" } });
    const { state, logs } = setup(runtime);
    expect(await state.load()).toEqual([]);
    expect(runtime.files.has(PATH)).toBe(false);
    const aside = [...runtime.files.keys()].find((p) => p.startsWith(`${PATH}.corrupt-`));
    expect(runtime.files.get(aside!)).toBe("{ not json");
    const warning = logs.find((l) => l.level === "warn")!;
    expect(warning.message).toBe("state file is not valid; moved it aside and started without it");
    expect(warning.moved_to).toBe(aside);
  });

  test("a file that is not UTF-8 is moved aside too, not written over by the next save", async () => {
    const latin1 = '{"version":1,"backends":[{"name":"caf\xe9"}]}';
    const runtime = createFakeRuntime({ files: { [PATH]: latin1 } });
    runtime.readTextFile = (path) => Promise.reject(new RuntimeFileError("not_utf8", path));
    const { state, logs } = setup(runtime);
    expect(await state.load()).toEqual([]);
    expect(runtime.files.has(PATH)).toBe(false);
    const aside = [...runtime.files.keys()].find((p) => p.startsWith(`${PATH}.corrupt-`));
    expect(runtime.files.get(aside!)).toBe(latin1);
    expect(logs.find((l) => l.level === "warn")).toMatchObject({
      message: "state file is not valid; moved it aside and started without it",
      problem: "not valid UTF-8 text",
    });
  });

  test("a file of the wrong shape is corrupt too; a missing file is simply none", async () => {
    expect(parseState('{"version":1,"backends":[{"name":"x","url":"ftp://x"}]}')).toEqual({
      problem: "backends[0]: bad url",
    });
    expect(parseState('{"version":2,"backends":[]}')).toEqual({
      problem: "version 2 (this Nexus reads 1)",
    });
    const { state, logs } = setup();
    expect(await state.load()).toEqual([]);
    expect(logs).toEqual([]);
  });

  test("a write that fails is one warning, however many changes follow", async () => {
    const runtime = createFakeRuntime();
    const failing = {
      ...runtime,
      writeFileAtomic: () => Promise.reject(new Error("EROFS: read-only file system")),
    };
    const { state, logs } = setup(failing as FakeRuntime);
    await state.load();
    const registry = new Registry();
    state.attach(registry);
    for (let i = 0; i < 3; i++) {
      registry.add(manual(`b${i}`, `http://b${i}:1`));
      await state.flush();
    }
    const warnings = logs.filter((l) => l.level === "warn");
    expect(warnings.map((l) => l.message)).toEqual([
      "cannot write the state file; run-time backends will not survive a restart",
    ]);
  });
});
