/**
 * The Redis side of shared state against a real redis-server (Debian's package, started here on
 * a loopback port): the limit scripts, their expiries, the key registry and usage counts, and
 * two gateways in this process sharing one Redis. The two-process acceptance test is
 * tests/runtime/redis-shared.test.ts.
 */
import { afterAll, beforeAll, expect } from "bun:test";
import { needs } from "../helpers/needs.ts";
import { REDIS_SERVER, type RedisServer, startRedis } from "../helpers/redis.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type MockBackend, startMockBackend, waitFor } from "../helpers/mock-backend.ts";
import { memoryFiles, RedisLink, SharedLimits } from "../../src/state/mod.ts";
import { Logger } from "../../src/lib/logger.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { loadRuntime, type RedisConnection } from "../../src/runtime/mod.ts";

needs(REDIS_SERVER).describe("shared state in a real Redis", () => {
  let redis: RedisServer;
  let probe: RedisConnection;
  let mock: MockBackend;
  const gateways: RunningGateway[] = [];
  const logs: string[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    probe = await redis.connect();
    mock = await startMockBackend({ models: [{ id: "m" }] });
  });

  afterAll(async () => {
    for (const gateway of gateways) {
      await gateway.close();
      await gateway.gateway.stop();
    }
    await probe.close();
    await mock.close();
    await redis.kill();
  });

  async function link(): Promise<RedisLink> {
    const runtime = await loadRuntime();
    const logger = new Logger({ level: "debug", format: "json", write: (l) => logs.push(l) });
    const result = new RedisLink({
      url: redis.url,
      open: runtime.openRedis,
      clock: systemClock,
      logger,
    });
    await result.open();
    await waitFor(() => result.connection !== undefined, "the Redis link to be usable");
    return result;
  }

  async function gateway(dir: string): Promise<RunningGateway> {
    const runtime = await loadRuntime();
    const started = await startGateway(
      [{ name: "mock", url: mock.url, models: ["m"] }],
      { auth: { mode: "keys", failures_per_minute: 1000 }, state: { redis_url: redis.url } },
      { files: memoryFiles(), keysFile: `/${dir}/keys.json`, openRedis: runtime.openRedis },
    );
    gateways.push(started);
    await waitFor(() => started.gateway.redis?.connection !== undefined, "Redis to be usable");
    return started;
  }

  const chat = (url: string, key: string) =>
    fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
    });

  needs().test(
    "the admit script holds a limit and puts an expiry on every key it writes",
    async () => {
      const shared = await link();
      try {
        await probe.command(["HSET", "nexus:keys:live", "scripted", "sha256:abc"]);
        const limits = new SharedLimits(systemClock, shared);
        const request = (lease: string) => ({
          name: "scripted",
          hash: "sha256:abc",
          limits: { rpm: 3, tpm: 1000, concurrency: 2 },
          estimate: 10,
          lease,
        });
        const decisions = [];
        for (let i = 0; i < 4; i++) decisions.push(await limits.admit(request(`l${i}`)));
        // Two at once: the third waits for a slot, whatever the buckets say.
        expect(decisions.map((d) => d.ok)).toEqual([true, true, false, false]);
        expect(decisions[2]!.limited).toBe("concurrency");
        limits.end({ request: request("l0"), tokens: 30, held: decisions[0]!.held });
        await waitFor(() => false, "nothing", 50).catch(() => {});
        const third = await limits.admit(request("l4"));
        expect(third.ok).toBe(true);
        expect(third.requests!.remaining).toBe(0);
        const fourth = await limits.admit(request("l5"));
        expect(fourth).toMatchObject({ ok: false });
        const written = await probe.command(["KEYS", "nexus:limit:*"]) as string[];
        expect(written.sort()).toEqual([
          "nexus:limit:scripted:leases",
          "nexus:limit:scripted:rpm",
          "nexus:limit:scripted:tpm",
        ]);
        for (const key of written) {
          expect(Number(await probe.command(["PTTL", key]))).toBeGreaterThan(0);
        }
        // A key no longer live (revoked on some instance) is refused as unknown.
        await probe.command(["HDEL", "nexus:keys:live", "scripted"]);
        expect(await limits.admit(request("l6"))).toMatchObject({ ok: false, revoked: true });
        limits.stop();
      } finally {
        await shared.close();
      }
    },
  );

  needs().test(
    "a stalled Redis: requests go on with local limits; it is used again once it answers",
    async () => {
      const g = await gateway("stalled");
      const created = await (await fetch(`${g.url}/v1/keys`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "steady", rpm: 100_000 }),
      })).json() as { key: string };
      expect((await chat(g.url, created.key)).status).toBe(200);
      redis.pause();
      try {
        // The first request waits out the command deadline, then every one decides locally.
        for (let i = 0; i < 10; i++) expect((await chat(g.url, created.key)).status).toBe(200);
        const health = await (await fetch(`${g.url}/health`)).json();
        expect(health.state.redis).toBe("unreachable");
        // Why, not merely that it is being reconciled: the connection is open, nothing answers.
        expect(health.state.reason).toContain("no answer from Redis within 250 ms");
      } finally {
        redis.resume();
      }
      await waitFor(() => g.gateway.redis?.connection !== undefined, "Redis to be used again");
      expect((await chat(g.url, created.key)).status).toBe(200);
      expect(g.logs.filter((line) => line.includes("Redis unreachable")).length).toBe(1);
      expect(g.logs.some((line) => line.includes("Redis is back"))).toBe(true);
    },
    30_000,
  );

  needs().test(
    "a request that ends while Redis is stalled gives its concurrency slot back once Redis answers",
    async () => {
      // A stream that stops after its first chunk: it runs until the client leaves.
      const slow = await startMockBackend({ models: [{ id: "slow" }], chunks: 4 });
      slow.mock.setFault({ kind: "hang-mid-stream", afterChunks: 1 });
      const runtime = await loadRuntime();
      const g = await startGateway(
        [{ name: "slow", url: slow.url, models: ["slow"] }],
        { auth: { mode: "keys", failures_per_minute: 1000 }, state: { redis_url: redis.url } },
        { files: memoryFiles(), keysFile: "/lease/keys.json", openRedis: runtime.openRedis },
      );
      gateways.push(g);
      try {
        await waitFor(() => g.gateway.redis?.connection !== undefined, "Redis to be usable");
        const created = await (await fetch(`${g.url}/v1/keys`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: "one-at-a-time", concurrency: 1 }),
        })).json() as { key: string };
        const send = (stream: boolean, signal?: AbortSignal) =>
          fetch(`${g.url}/v1/chat/completions`, {
            method: "POST",
            headers: { authorization: `Bearer ${created.key}` },
            body: JSON.stringify({
              model: "slow",
              stream,
              messages: [{ role: "user", content: "hi" }],
            }),
            ...(signal ? { signal } : {}),
          });
        // Admitted by Redis (its lease is there); Redis stalls, and Nexus notices, while it runs.
        const leaving = new AbortController();
        const running = await send(true, leaving.signal);
        expect(running.status).toBe(200);
        await running.body!.getReader().read();
        expect(await probe.command(["ZCARD", "nexus:limit:one-at-a-time:leases"])).toBe(1);
        redis.pause();
        try {
          await waitFor(() => g.gateway.redis?.connection === undefined, "Redis to be unusable");
          // The request ends (its client leaves) while Redis cannot hear it.
          leaving.abort();
          await waitFor(() => g.gateway.auth!.limits.running("one-at-a-time") === 0, "the end");
        } finally {
          redis.resume();
        }
        await waitFor(() => g.gateway.redis?.connection !== undefined, "Redis to be used again");
        // Nothing runs now: the key's one slot is free on the shared side too.
        expect(await probe.command(["ZCARD", "nexus:limit:one-at-a-time:leases"])).toBe(0);
        slow.mock.setFault({ kind: "none" });
        expect((await send(false)).status).toBe(200);
      } finally {
        await slow.close();
      }
    },
    30_000,
  );

  needs().test("two gateways share one key's limit, its revocation and its usage", async () => {
    const a = await gateway("a");
    const b = await gateway("b");
    const created = await (await fetch(`${a.url}/v1/keys`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "shared", rpm: 6 }),
    })).json() as { key: string };
    // B hears of the key through the registry within a poll.
    await waitFor(
      () => b.gateway.auth!.keys.list().some((k) => k.name === "shared"),
      "B to learn the key",
    );
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) {
      statuses.push((await chat(i % 2 === 0 ? a.url : b.url, created.key)).status);
    }
    const ok = statuses.filter((s) => s === 200).length;
    expect(ok).toBeGreaterThanOrEqual(6);
    expect(ok).toBeLessThanOrEqual(7);
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    // Usage from either instance is the fleet's.
    await waitFor(() => false, "a usage flush", 1500).catch(() => {});
    const usage = await (await fetch(`${b.url}/v1/keys/usage?name=shared&since=1d`)).json() as {
      source: string;
      data: Array<{ requests: number }>;
    };
    expect(usage.source).toBe("redis");
    expect(usage.data.reduce((sum, row) => sum + row.requests, 0)).toBe(14);
    // Revoked on A: B refuses it on its next request (the admit script checks the registry).
    expect((await fetch(`${a.url}/v1/keys/shared`, { method: "DELETE" })).status).toBe(200);
    const other = await (await fetch(`${a.url}/v1/keys`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "other" }),
    })).json() as { key: string };
    await waitFor(
      () => b.gateway.auth!.keys.list().some((k) => k.name === "other"),
      "B to learn the other key",
    );
    expect((await chat(b.url, created.key)).status).toBe(401);
    expect((await chat(b.url, other.key)).status).toBe(200);
  }, 30_000);
});
