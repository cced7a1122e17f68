import { afterAll, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Logger } from "../../../src/lib/logger.ts";
import { loadRuntime } from "../../../src/runtime/mod.ts";
import { memoryFiles, UsageBook, UsageTable } from "../../../src/state/mod.ts";
import { FakeClock } from "../../helpers/fake-clock.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

const dir = tempDir("usage");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const logger = new Logger({ level: "error", format: "json", write: () => {} });
const one = { requests: 1, errors: 0, prompt_tokens: 10, completion_tokens: 5 };

describe("UsageBook", () => {
  test("survives a restart: appended counts are summed back when the file is read", async () => {
    const files = new Map<string, string>();
    const clock = new FakeClock();
    const first = new UsageBook({ path: "/u.jsonl", files: memoryFiles(files), clock, logger });
    await first.load();
    first.record("alice", "llama3:8b", one);
    first.record("alice", "llama3:8b", { ...one, errors: 1 });
    await first.flushFile();
    first.record("bob", "qwen:7b", one);
    await first.stop();
    const second = new UsageBook({ path: "/u.jsonl", files: memoryFiles(files), clock, logger });
    await second.load();
    expect(second.localRows()).toEqual([
      {
        day: "2026-11-27",
        key: "alice",
        model: "llama3:8b",
        requests: 2,
        errors: 1,
        prompt_tokens: 20,
        completion_tokens: 10,
      },
      { day: "2026-11-27", key: "bob", model: "qwen:7b", ...one },
    ]);
    expect(files.get("/u.jsonl")!.trim().split("\n").length).toBe(2);
  });

  test("writes the file every 10 s, not per request, and skips lines it cannot read", async () => {
    const files = new Map([[
      "/u.jsonl",
      'garbage\n{"day":"2026-11-27","key":"a","model":"m","requests":3}\n',
    ]]);
    const clock = new FakeClock();
    const book = new UsageBook({ path: "/u.jsonl", files: memoryFiles(files), clock, logger });
    await book.load();
    expect(book.localRows()[0]).toMatchObject({ key: "a", requests: 3 });
    book.record("a", "m", one);
    const before = files.get("/u.jsonl");
    clock.advance(9_999);
    expect(files.get("/u.jsonl")).toBe(before);
    clock.advance(1);
    await book.stop();
    expect(files.get("/u.jsonl")).toContain('"requests":1');
  });

  test("a real file with a character cut in two by a crash mid-append still loads its other lines", async () => {
    const path = join(dir, "usage.jsonl");
    const good = '{"day":"2026-11-27","key":"a","model":"m","requests":3}\n';
    const torn = new TextEncoder().encode('{"day":"2026-11-27","key":"caf\u00e9 \u20ac').slice(
      0,
      -1,
    );
    writeFileSync(path, new Uint8Array([...new TextEncoder().encode(good), ...torn]));
    const runtime = await loadRuntime();
    const book = new UsageBook({ path, files: runtime, clock: new FakeClock(), logger });
    await book.load();
    expect(book.localRows()).toEqual([
      {
        day: "2026-11-27",
        key: "a",
        model: "m",
        requests: 3,
        errors: 0,
        prompt_tokens: 0,
        completion_tokens: 0,
      },
    ]);
  });

  test("a long file is compacted when read: one line per key, model and day", async () => {
    const line = '{"day":"2026-11-27","key":"a","model":"m","requests":1}\n';
    const files = new Map([["/u.jsonl", line.repeat(3000)]]);
    const book = new UsageBook({
      path: "/u.jsonl",
      files: memoryFiles(files),
      clock: new FakeClock(),
      logger,
    });
    await book.load();
    expect(files.get("/u.jsonl")!.trim().split("\n").length).toBe(1);
    expect(book.localRows()[0]!.requests).toBe(3000);
  });
});

describe("UsageTable", () => {
  test("keeps at most 100 model names per key and day; the rest count as other", () => {
    const table = new UsageTable();
    for (let i = 0; i < 150; i++) table.record("2026-11-27", "k", `made-up-${i}`, one);
    const rows = table.rows();
    expect(rows.length).toBe(101);
    expect(rows.find((r) => r.model === "other")!.requests).toBe(50);
  });
});
