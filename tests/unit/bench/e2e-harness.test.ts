/**
 * The end-to-end benchmark's own logic: statistics, SSE normalisation and reading, the guard's
 * verdicts, and the report writer, which must only ever replace its own section of RESULTS.md.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { normalizeSse, streamOnce } from "../../../bench/e2e/client.ts";
import { keysModeOf } from "../../../bench/e2e/keyed.ts";
import {
  END,
  renderSection,
  START,
  writeJsonKey,
  writeSection,
} from "../../../bench/e2e/report.ts";
import type { SequentialResult } from "../../../bench/e2e/sequential.ts";
import { quantile, summarize } from "../../../bench/e2e/stats.ts";
import { guardChecks } from "../../../bench/e2e/targets.ts";
import { guardDoorChecks } from "../../../bench/e2e/floor-targets.ts";
import { fixedRate } from "../../../bench/e2e/open-loop.ts";
import type { BenchResult } from "../../../bench/e2e/result.ts";
import { loadRuntime } from "../../../src/runtime/mod.ts";
import { AbortLog } from "../../../bench/e2e/topology.ts";
import { type MockBackend, startMockBackend } from "../../helpers/mock-backend.ts";

describe("statistics", () => {
  test("percentiles interpolate between closest ranks", () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([10], 0.99)).toBe(10);
    expect(Number.isNaN(quantile([], 0.5))).toBe(true);
    const s = summarize([5, 1, 4, 2, 3]);
    expect([s.n, s.p50, s.min, s.max, s.mean]).toEqual([5, 3, 1, 5, 3]);
  });
});

describe("SSE reading", () => {
  let backend: MockBackend;
  beforeAll(async () => {
    backend = await startMockBackend({ models: [{ id: "m" }], chunks: 4, chunkGapMs: 1 });
  });
  afterAll(() => backend.close());

  const spec = () => ({
    url: `${backend.url}/v1/chat/completions`,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }], stream: true }),
  });

  test("two answers of the mock are identical once ids and clocks are masked", async () => {
    const [a, b] = [await streamOnce(spec()), await streamOnce(spec())];
    expect(a.status).toBe(200);
    expect(a.normalized).toBe(b.normalized);
    // Role chunk, 4 content chunks, finish chunk: all stamped; then [DONE].
    expect([a.stamped, a.events, a.inOrder]).toEqual([6, 7, true]);
    expect(a.delays.every((d) => d >= -1 && d < 1000)).toBe(true);
  });

  test("masking leaves everything else byte for byte", () => {
    const event = 'data: {"id":"chatcmpl-Ab12","created":1795,"x_seq":3,"x_sent_ms":17.5}\n\n';
    expect(normalizeSse(event)).toBe(
      'data: {"id":"chatcmpl-X","created":0,"x_seq":3,"x_sent_ms":0}\n\n',
    );
  });
});

describe("the CI guard", () => {
  const sequential = (addedMs: number): SequentialResult => {
    const summary = (ms: number) => ({
      n: 100,
      p50: ms,
      p90: ms,
      p99: ms,
      mean: ms,
      min: ms,
      max: ms,
    });
    const target = (ms: number) => ({
      roundMedians: [ms],
      medianOfRoundMedians: ms,
      summary: summary(ms),
      errors: 0,
    });
    return {
      options: { rounds: 1, perRound: 100, warmup: 0 },
      targets: { direct: target(0.2), nexus: target(0.2 + addedMs) },
      added: { nexus: { medianOfRoundMedians: addedMs, p50: addedMs, p99: addedMs } },
    };
  };

  test("passes a gateway adding a fraction of a millisecond", () => {
    expect(guardChecks({ sequential: sequential(0.3) }).every((c) => c.pass)).toBe(true);
  });

  test("fails a 20 ms stall in the hot path", () => {
    const failed = guardChecks({ sequential: sequential(20) }).filter((c) => !c.pass);
    expect(failed.map((c) => c.id)).toEqual(["guard-seq-median", "guard-seq-p99"]);
  });
});

describe("abort log", () => {
  test("hands out queued aborts, then waits, then gives up", async () => {
    const log = new AbortLog();
    log.push(1);
    expect(await log.next(10)).toBe(1);
    setTimeout(() => log.push(2), 5);
    expect(await log.next(1000)).toBe(2);
    log.push(3);
    log.drain();
    expect(await log.next(10)).toBeUndefined();
  });
});

describe("report files", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "nexus-bench-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("replaces only the e2e section and keeps the others", () => {
    const path = join(dir, "RESULTS.md");
    const routing = "## Routing\n\nrouting figures\n";
    writeFileSync(path, `# Results\n\n${routing}\n${START}\nold\n${END}\n\n## Metrics\n\nm\n`);
    writeSection(path, `${START}\nnew figures\n${END}`);
    writeSection(path, `${START}\nnewer figures\n${END}`);
    const text = readFileSync(path, "utf8");
    expect(text).toBe(
      `# Results\n\n${routing}\n${START}\nnewer figures\n${END}\n\n## Metrics\n\nm\n`,
    );
  });

  test("appends the section to a file that has none, or creates the file", () => {
    const existing = join(dir, "other.md");
    writeFileSync(existing, "## Routing\n\nr\n");
    writeSection(existing, `${START}\nx\n${END}`);
    expect(readFileSync(existing, "utf8")).toBe(`## Routing\n\nr\n\n${START}\nx\n${END}\n`);
    const fresh = join(dir, "fresh.md");
    writeSection(fresh, `${START}\ny\n${END}`);
    expect(readFileSync(fresh, "utf8")).toContain(`${START}\ny\n${END}\n`);
  });

  test("results.json: sets its key, keeps the others", () => {
    const path = join(dir, "results.json");
    writeFileSync(path, JSON.stringify({ routing: { a: 1 } }));
    writeJsonKey(path, "e2e", { b: 2 });
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({ routing: { a: 1 }, e2e: { b: 2 } });
  });
});

describe("the translation guard", () => {
  const figures = (extra: number) => ({
    path: "/v1/responses",
    translated: true,
    latency: summarize([1]),
    direct: summarize([0.5]),
    addedP50: 0.5,
    cpuUs: 100,
    errors: 0,
    streamCpuPerEventUs: 20 + extra,
    toolCpuPerEventUs: 22 + extra,
    extraPerEventUs: extra,
    toolExtraPerEventUs: extra,
    streamErrors: 0,
  });
  const doors = (extra: number, identical = 10): Pick<BenchResult, "frontDoors"> => ({
    frontDoors: {
      options: { rounds: 1, perRound: 1, warmup: 0, streams: 10, concurrency: 2 },
      events: { text: 103, tool: 53 },
      toolFidelity: { identical, streams: 10 },
      gateways: {
        nexus: {
          chat: { ...figures(0), translated: false },
          responses: figures(extra),
          ollama: figures(extra),
          anthropic: figures(extra),
        },
      },
      floors: {},
    },
  });

  test("passes translated streams a few µs dearer per event than passthrough", () => {
    expect(guardDoorChecks(doors(3)).every((c) => c.pass)).toBe(true);
  });

  test("fails a translation grown to 40 µs per event, and a tool-call stream that differs", () => {
    const failed = guardDoorChecks(doors(40)).filter((c) => !c.pass).map((c) => c.id);
    expect(failed).toEqual([
      "guard-translate-responses",
      "guard-translate-ollama",
      "guard-translate-anthropic",
    ]);
    const broken = guardDoorChecks(doors(3, 9)).filter((c) => !c.pass).map((c) => c.id);
    expect(broken).toEqual(["guard-door-tool-fidelity"]);
  });
});

describe("the abort row's report", () => {
  const meta: BenchResult["meta"] = {
    date: "d",
    profile: "full",
    seconds: 1,
    machine: { cpu: "c", cores: 2, memoryGiB: 1, os: "o", kernel: "k" },
    versions: {},
    nexus: "n",
    pinning: "p",
    portkey: "q",
    git: "g",
  };
  const run = (denoMissed: number): BenchResult => {
    const figure = (missed: number) => ({ summary: summarize([1]), trials: 3, missed });
    return {
      meta,
      checks: [],
      disconnect: {
        options: { trials: 3, waitMs: 1000 },
        kinds: {
          ttft: { nexus: figure(0), "nexus-deno": figure(denoMissed) },
          "mid-stream": { nexus: figure(0), "nexus-deno": figure(0) },
          "non-stream": { nexus: figure(0), "nexus-deno": figure(0) },
        },
      },
    };
  };

  test("names the Deno.serve defect only when nexus-deno missed an abort before the first byte", () => {
    expect(renderSection(run(2))).toContain("bench/deno-abort-repro.ts");
    expect(renderSection(run(0))).not.toContain("bench/deno-abort-repro.ts");
  });
});

describe("fixed-rate load (coordinated omission)", () => {
  test("a stall charges every request scheduled inside it, from its own slot", async () => {
    const runtime = await loadRuntime();
    let served = 0;
    // The 20th request blocks this whole process for 300 ms: the server and the load generator.
    const server = await runtime.serve(() => {
      if (++served === 20) {
        const until = performance.now() + 300;
        while (performance.now() < until) { /* stall */ }
      }
      return new Response("ok");
    }, { hostname: "127.0.0.1", port: 0 });
    try {
      const spec = {
        url: `http://127.0.0.1:${server.port}/`,
        headers: { "content-type": "application/json" },
        body: "{}",
      };
      const run = await fixedRate(spec, 200, 1, 5000);
      expect([run.sent, run.ok, run.errors]).toEqual([200, 200, 0]);
      // ~60 requests were due during the stall; each is measured from its slot, so at least
      // a third of them show 100 ms or more, and none was dropped from the figures.
      expect(run.p99).toBeGreaterThan(100);
      expect(run.lagP99).toBeGreaterThan(100);
    } finally {
      await server.stop(true);
    }
  });
});

describe("keysModeOf() (--keys and --keys-for of bench/cpu.ts and bench/gc-log.ts)", () => {
  test("a gateway's own --keys-for wins over --keys, and only its own", () => {
    const keysFor = ["new=redis", "newer=local"];
    expect(keysModeOf("new", keysFor, "local")).toBe("redis");
    expect(keysModeOf("newer", keysFor, undefined)).toBe("local");
    expect(keysModeOf("ne", keysFor, undefined)).toBeUndefined();
    expect(keysModeOf("base", keysFor, "local")).toBe("local");
  });

  test("any other mode is refused, named", () => {
    expect(() => keysModeOf("new", ["new=memcached"], undefined)).toThrow("--keys memcached");
    expect(() => keysModeOf("base", [], "on")).toThrow("--keys on");
  });
});
