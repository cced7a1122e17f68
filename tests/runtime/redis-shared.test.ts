/**
 * Two real Nexus processes — one under Bun, one under Deno — sharing a real redis-server
 * (Debian's package, started here on a loopback port): they hold one key's limit together,
 * a key revoked on one is refused by the other, Redis killed mid-load fails no request (local
 * limits take over, /health says degraded with the reason), and once Redis is back the shared
 * counters resume. Every output of both processes is scanned for the keys at the end.
 */
import { afterAll, beforeAll, expect } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { needs } from "../helpers/needs.ts";
import { type NexusProcess, startNexus } from "../helpers/processes.ts";
import { REDIS_SERVER, type RedisServer, startRedis } from "../helpers/redis.ts";
import { type MockBackend, startMockBackend, waitFor } from "../helpers/mock-backend.ts";
import { tempDir } from "../helpers/temp-dir.ts";

needs(REDIS_SERVER).describe("two Nexus processes sharing one Redis", () => {
  let redis: RedisServer;
  let mock: MockBackend;
  let root: string | undefined;
  let a: NexusProcess;
  let b: NexusProcess;
  const keys: string[] = [];
  const bodies: string[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    mock = await startMockBackend({ flavor: "vllm", models: [{ id: "m" }] });
    const scratch = root = tempDir("redis-shared");
    const start = async (name: string, runtime: "bun" | "deno") => {
      const dir = join(scratch, name);
      mkdirSync(dir);
      writeFileSync(
        join(dir, "nexus.toml"),
        [
          "[auth]",
          'mode = "keys"',
          "failures_per_minute = 1000",
          "[state]",
          `redis_url = "${redis.url}"`,
          "[health_check]",
          "interval_seconds = 1",
          "[[backends]]",
          'name = "mock"',
          `url = "${mock.url}"`,
          'type = "vllm"',
        ].join("\n"),
      );
      return await startNexus(runtime, ["-c", join(dir, "nexus.toml"), "--no-discovery"], {
        timeoutMs: 30_000,
      });
    };
    [a, b] = await Promise.all([start("a", "bun"), start("b", "deno")]);
    for (const nexus of [a, b]) {
      await waitUntil(async () => {
        const health = await (await fetch(`${nexus.url}/health`)).json();
        return health.status === "healthy" && health.models > 0;
      }, `${nexus.name} to be healthy with Redis`);
    }
  }, 90_000);

  afterAll(async () => {
    await a?.stop("SIGTERM", 10_000);
    await b?.stop("SIGTERM", 10_000);
    await mock?.close();
    await redis?.kill();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 20_000) {
    const deadline = performance.now() + timeoutMs;
    while (!(await check().catch(() => false))) {
      if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function createKey(on: NexusProcess, body: Record<string, unknown>): Promise<string> {
    const response = await fetch(`${on.url}/v1/keys`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(201);
    const { key } = await response.json() as { key: string };
    keys.push(key);
    // The other instance hears of it through Redis (a poll a second).
    const other = on === a ? b : a;
    await waitUntil(async () => {
      const list = await (await fetch(`${other.url}/v1/keys`)).json() as {
        data: Array<{ name: string }>;
      };
      return list.data.some((k) => k.name === body.name);
    }, `${other.name} to learn key ${body.name}`);
    return key;
  }

  async function chat(on: NexusProcess, key: string): Promise<number> {
    const response = await fetch(`${on.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
    });
    bodies.push(`${JSON.stringify([...response.headers])} ${await response.text()}`);
    return response.status;
  }

  needs().test("hold one key's limit together: N + M ≤ limit + 1", async () => {
    const key = await createKey(a, { name: "team", rpm: 10 });
    const statuses = await Promise.all(
      Array.from({ length: 30 }, (_, i) => chat(i % 2 === 0 ? a : b, key)),
    );
    const ok = statuses.filter((s) => s === 200).length;
    expect(ok).toBeGreaterThanOrEqual(10);
    expect(ok).toBeLessThanOrEqual(11);
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
  }, 60_000);

  needs().test("a key revoked on one is refused by the other at once", async () => {
    const key = await createKey(b, { name: "leaver" });
    expect(await chat(a, key)).toBe(200);
    expect((await fetch(`${b.url}/v1/keys/leaver`, { method: "DELETE" })).status).toBe(200);
    expect(await chat(a, key)).toBe(401);
    // And within a poll, A's own list says so too.
    await waitUntil(
      async () => {
        const list = await (await fetch(`${a.url}/v1/keys`)).json() as {
          data: Array<{ name: string; status: string }>;
        };
        return list.data.find((k) => k.name === "leaver")?.status === "revoked";
      },
      "A to list the key as revoked",
      2_000,
    );
  }, 60_000);

  needs().test("Redis killed mid-load fails no request; back, the counters resume", async () => {
    const key = await createKey(a, { name: "busy", rpm: 100_000, concurrency: 50 });
    const statuses: number[] = [];
    let sent = 0;
    const worker = async () => {
      while (sent < 120) {
        sent++;
        statuses.push(await chat(sent % 2 === 0 ? a : b, key));
      }
    };
    const load = Promise.all([worker(), worker(), worker(), worker()]);
    await waitFor(() => statuses.length >= 30, "30 requests through Redis");
    await redis.kill();
    await load;
    expect(statuses.length).toBe(120);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    for (const nexus of [a, b]) {
      const health = await (await fetch(`${nexus.url}/health`)).json();
      expect(health.status).toBe("degraded");
      expect(health.state.redis).toBe("unreachable");
      expect(typeof health.state.reason).toBe("string");
    }
    await redis.restart();
    for (const nexus of [a, b]) {
      await waitUntil(async () => {
        const health = await (await fetch(`${nexus.url}/health`)).json();
        return health.status === "healthy";
      }, `${nexus.name} to use Redis again`);
    }
    // Redis came back empty: the registry was restored, and one limit holds across both again.
    const resumed = await createKey(b, { name: "resumed", rpm: 6 });
    const after = await Promise.all(
      Array.from({ length: 16 }, (_, i) => chat(i % 2 === 0 ? a : b, resumed)),
    );
    const ok = after.filter((s) => s === 200).length;
    expect(ok).toBeGreaterThanOrEqual(6);
    expect(ok).toBeLessThanOrEqual(7);
    expect(await chat(a, key)).toBe(200);
    // Trouble was logged, once a minute at most, and the return once.
    for (const nexus of [a, b]) {
      expect(nexus.output()).toContain("Redis unreachable");
      expect(nexus.output()).toContain("Redis is back");
    }
  }, 90_000);

  needs().test("no key in any output of either process", () => {
    const everything = [a.output(), b.output(), ...bodies].join("\n");
    expect(keys.length).toBe(4);
    for (const key of keys) expect(everything).not.toContain(key);
  });
});
