/**
 * Config reload through a real gateway that reads a real file: a valid edit applied under 100
 * concurrent streams drops none of them (200, and SIGHUP and the file watch, with real processes:
 * tests/runtime/reload-process.test.ts — one test process holds at most 256 fetches); an invalid edit changes nothing and says why (key,
 * value, source); a backend removed from the file finishes its streams, gets no new requests,
 * and leaves; a port change is reported as needing a restart; `POST /v1/config/reload` and
 * `nexus reload` say what was applied.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../../src/cli/mod.ts";
import { loadConfig } from "../../src/config/mod.ts";
import { loadRuntime, type Runtime } from "../../src/runtime/mod.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type MockBackend, sseEvents, startMockBackend, waitFor } from "../helpers/mock-backend.ts";
import { tempDir } from "../helpers/temp-dir.ts";

let a: MockBackend;
let b: MockBackend;
let c: MockBackend;
let dir: string;
let path: string;
let gateway: RunningGateway;
let runtime: Runtime;

interface Shape {
  aliases?: Record<string, string>;
  backends?: Array<{ name: string; url: string; max_concurrent?: number }>;
  extra?: string;
}

function write({ aliases = {}, backends = [], extra = "" }: Shape): void {
  const lines = ["[discovery]", "enabled = false", "[routing.aliases]"];
  for (const [alias, model] of Object.entries(aliases)) lines.push(`"${alias}" = "${model}"`);
  for (const backend of backends) {
    lines.push("[[backends]]", `name = "${backend.name}"`, `url = "${backend.url}"`);
    lines.push('type = "generic"');
    if (backend.max_concurrent) lines.push(`max_concurrent = ${backend.max_concurrent}`);
  }
  writeFileSync(path, `${extra}\n${lines.join("\n")}\n`);
}

const stream = (model: string) =>
  fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model, stream: true, messages: [{ role: "user", content: "hi" }] }),
  }).then(async (response) => ({ status: response.status, text: await response.text() }));

const chat = (model: string) =>
  fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
  });

/** `nexus reload ARGS` against the gateway: its exit code and what it printed (both streams). */
async function nexusReload(...args: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const cli: Runtime = {
    ...runtime,
    env: Object.freeze({ NEXUS_URL: gateway.url }),
    writeStdout: (text) => void (out += text),
    writeStderr: (text) => void (out += text),
  };
  const code = await runCli(cli, ["reload", ...args]);
  return { code, out };
}

beforeAll(async () => {
  runtime = await loadRuntime();
  a = await startMockBackend({ models: [{ id: "m" }], chunks: 20, chunkGapMs: 25 });
  b = await startMockBackend({
    models: [{ id: "m" }, { id: "b-only" }],
    chunks: 20,
    chunkGapMs: 25,
  });
  c = await startMockBackend({ models: [{ id: "c-only" }], chunks: 20, chunkGapMs: 25 });
  dir = tempDir("reload");
  path = join(dir, "nexus.toml");
  write({ aliases: { fast: "m" }, backends: [{ name: "a", url: a.url }] });
  const load = () => loadConfig({ runtime, env: {}, flags: { config: path } });
  const { config } = await load();
  gateway = await startGateway([{ name: "a", url: a.url, type: "generic", models: ["m"] }], {
    routing: config.routing,
  }, { loadConfig: load });
});

afterAll(async () => {
  await gateway.close();
  await a.close();
  await b.close();
  await c.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("config reload", () => {
  test(
    "a valid edit under 100 concurrent streams: applied, and every stream ends whole",
    async () => {
      const streams = Array.from({ length: 100 }, () => stream("fast"));
      await waitFor(() => a.mock.activeStreams() >= 100, "100 open streams", 30_000);
      write({
        aliases: { fast: "m", quick: "m" },
        backends: [{ name: "a", url: a.url }, { name: "b", url: b.url }],
        extra: '[logging]\nlevel = "debug"\n[queue]\nmax_size = 50',
      });
      const report = await gateway.gateway.reload("test");
      expect(report.ok).toBe(true);
      expect(report.applied).toContain(`backend b added (${b.url})`);
      expect(report.applied).toContain("routing: aliases changed");
      expect(report.applied).toContain("logging.level: debug");
      expect(report.applied).toContain("queue: max_size changed");
      const results = await Promise.all(streams);
      for (const { status, text } of results) {
        expect(status).toBe(200);
        const events = sseEvents(text);
        expect(events[events.length - 1]).toBe("data: [DONE]");
        expect(text).not.toContain('"error"');
      }
      // The new alias routes, and the new backend is probed and serves.
      await waitFor(() => gateway.gateway.registry.get("b")?.status === "healthy", "b healthy");
      expect((await chat("quick")).status).toBe(200);
      expect((await chat("b-only")).headers.get("x-nexus-backend")).toBe("b");
    },
    60_000,
  );

  test("an invalid edit changes nothing and names key, value and source", async () => {
    const before = gateway.gateway.config;
    writeFileSync(path, '[routing]\nstrategy = "fastest"\n[server]\nport = 70000\n');
    const report = await gateway.gateway.reload("test");
    expect(report.ok).toBe(false);
    expect(report.errors).toEqual([
      `server.port: must be <= 65535, got 70000 (from ${path})`,
      `routing.strategy: expected one of smart|round_robin|priority_only|random, got "fastest" (from ${path})`,
    ]);
    expect(gateway.gateway.config).toBe(before);
    expect((await chat("quick")).status).toBe(200);
    expect(gateway.gateway.registry.get("b")).toBeDefined();
    // Over HTTP: 400, the errors in the error's context.
    const response = await fetch(`${gateway.url}/v1/config/reload`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.error.message).toContain("nothing was changed");
    expect(body.error.context.errors).toHaveLength(2);
  });

  test("a rejected reload names the file in its report, log line, HTTP answer and CLI", async () => {
    writeFileSync(path, '[routing]\nstrategy = "fastest"\n');
    const report = await gateway.gateway.reload("test");
    expect(report.ok).toBe(false);
    expect(report.config).toBe(path);
    const logged = gateway.logs.filter((line) => line.includes('"config reload rejected'));
    expect(JSON.parse(logged[logged.length - 1]!)).toMatchObject({ source: "test", config: path });
    const response = await fetch(`${gateway.url}/v1/config/reload`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    const body = await response.json();
    expect(body.error.context.config).toBe(path);
    expect(
      body.error.message.startsWith(
        `Config reload of ${path} rejected; nothing was changed: routing.strategy: `,
      ),
    ).toBe(true);
    // A file that is gone: named too (it is the file the error is about).
    rmSync(path);
    expect((await gateway.gateway.reload("test")).config).toBe(path);
    expect(await nexusReload()).toEqual({
      code: 1,
      out: `Config reload of ${path} rejected; nothing was changed:\n` +
        `  Cannot load config "${path}": file not found\n`,
    });
    const json = await nexusReload("--json");
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toMatchObject({ ok: false, config: path });
  });

  test("a removed backend finishes its streams, gets no new requests, then leaves", async () => {
    write({
      aliases: { fast: "m", quick: "m" },
      backends: [{ name: "a", url: a.url }, { name: "b", url: b.url }],
      extra: '[logging]\nlevel = "debug"\n[queue]\nmax_size = 50',
    });
    expect((await gateway.gateway.reload("test")).ok).toBe(true);
    const open = Array.from({ length: 5 }, () => stream("b-only"));
    await waitFor(() => b.mock.activeStreams() >= 5, "5 streams on b");
    write({
      aliases: { fast: "m", quick: "m" },
      backends: [{ name: "a", url: a.url }],
      extra: '[logging]\nlevel = "debug"\n[queue]\nmax_size = 50',
    });
    const report = await gateway.gateway.reload("test");
    expect(report.applied).toContain("backend b draining (5 in flight), then removed");
    expect(gateway.gateway.registry.get("b")?.status).toBe("draining");
    const before = b.mock.chatRequests().length;
    for (let i = 0; i < 5; i++) {
      const response = await chat("m");
      expect(response.headers.get("x-nexus-backend")).toBe("a");
    }
    expect(b.mock.chatRequests().length).toBe(before);
    for (const { status, text } of await Promise.all(open)) {
      expect(status).toBe(200);
      expect(sseEvents(text).pop()).toBe("data: [DONE]");
    }
    await waitFor(() => gateway.gateway.registry.get("b") === undefined, "b removed");
    expect(gateway.logs.some((line) => line.includes('"backend removed after draining"'))).toBe(
      true,
    );
  }, 30_000);

  test(
    "a request queued for a backend that is removed is refused at once, not left waiting",
    async () => {
      const extra = '[logging]\nlevel = "debug"\n[queue]\nmax_size = 50\nmax_wait_seconds = 60';
      const backends = [{ name: "a", url: a.url }];
      write({ aliases: { fast: "m", quick: "m" }, backends, extra });
      expect((await gateway.gateway.reload("test")).ok).toBe(true);
      write({
        aliases: { fast: "m", quick: "m" },
        backends: [...backends, { name: "c", url: c.url, max_concurrent: 1 }],
        extra,
      });
      expect((await gateway.gateway.reload("test")).ok).toBe(true);
      gateway.gateway.registry.setModels("c", [{ id: "c-only", capabilities: {} }]);
      gateway.gateway.registry.setStatus("c", "healthy");
      const running = stream("c-only");
      await waitFor(() => c.mock.activeStreams() === 1, "the stream on c");
      // c's one slot is taken: this one waits in the queue for it.
      const queued = chat("c-only");
      await waitFor(() => gateway.gateway.admission.waiting === 1, "the request to queue");
      write({ aliases: { fast: "m", quick: "m" }, backends, extra });
      const report = await gateway.gateway.reload("test");
      expect(report.applied).toContain("backend c draining (1 in flight), then removed");
      // No other backend serves c-only: 503 with Retry-After now, not a queue timeout in 60 s.
      const refused = await queued;
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toBe("1");
      const body = await refused.json() as { error: { code: string; message: string } };
      expect(body.error.code).toBe("service_unavailable");
      expect(body.error.message).toContain("Backend c left");
      expect(gateway.gateway.admission.waiting).toBe(0);
      const { status, text } = await running;
      expect(status).toBe(200);
      expect(sseEvents(text).pop()).toBe("data: [DONE]");
      expect(c.mock.chatRequests().length).toBe(1);
    },
    30_000,
  );

  test("a new port needs a restart: reported, left as it was, reported again next time", async () => {
    write({
      aliases: { fast: "m", quick: "m" },
      backends: [{ name: "a", url: a.url }],
      extra: '[server]\nport = 9999\n[logging]\nlevel = "debug"\n[queue]\nmax_size = 50',
    });
    const report = await gateway.gateway.reload("test");
    expect(report.restart).toEqual(["server.port: 8000 → 9999 needs a restart (still 8000)"]);
    expect(gateway.gateway.config.server.port).toBe(8000);
    expect((await gateway.gateway.reload("test")).restart).toHaveLength(1);
  });

  test("nexus reload prints what was applied", async () => {
    write({
      aliases: { fast: "m", quick: "m", speedy: "m" },
      backends: [{ name: "a", url: a.url }],
      extra: '[logging]\nlevel = "debug"\n[queue]\nmax_size = 50',
    });
    const { code, out } = await nexusReload();
    expect(code).toBe(0);
    expect(out).toContain(`Reloaded ${path}:`);
    expect(out).toContain("  routing: aliases changed");
    expect((await chat("speedy")).status).toBe(200);
  });
});
