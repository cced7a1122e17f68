/**
 * The Redis leases of the requests running on an instance (src/state/lease-table.ts) and how
 * SharedLimits uses them: a lease is held from Redis's admission to the request's end, listed for
 * renewal while held, given back once, and a freed slot serves the next request.
 */
import { describe, expect, test } from "bun:test";
import { LeaseTable } from "../../../src/state/lease-table.ts";
import {
  type AdmitRequest,
  END,
  LEASE_MS,
  type RedisLink,
  RENEW,
  SharedLimits,
} from "../../../src/state/mod.ts";
import type { RedisConnection, RedisScript } from "../../../src/runtime/mod.ts";
import { FakeClock } from "../../helpers/fake-clock.ts";

describe("LeaseTable", () => {
  test("a freed slot is reused before the table grows, last freed first", () => {
    const table = new LeaseTable();
    expect([table.hold("a", "ka"), table.hold("b", "kb"), table.hold("c", "kc")]).toEqual([
      0,
      1,
      2,
    ]);
    expect(table.release(0, "a")).toBe("ka");
    expect(table.release(2, "c")).toBe("kc");
    expect(table.size).toBe(1);
    expect(table.hold("d", "kd")).toBe(2);
    expect(table.hold("e", "ke")).toBe(0);
    expect(table.hold("f", "kf")).toBe(3);
    expect(table.size).toBe(4);
  });

  test("a slot is given back once, and only by the lease that holds it", () => {
    const table = new LeaseTable();
    const slot = table.hold("a", "ka");
    expect(table.release(slot, "other")).toBeUndefined();
    expect(table.release(slot, "a")).toBe("ka");
    expect(table.release(slot, "a")).toBeUndefined();
    // Reused by another request: the first request's late end leaves it alone.
    expect(table.hold("b", "kb")).toBe(slot);
    expect(table.release(slot, "a")).toBeUndefined();
    expect(table.size).toBe(1);
    expect(table.list()).toEqual({ keys: ["kb"], leases: ["b"] });
    expect(table.release(7, "a")).toBeUndefined();
  });

  test("lists every lease held, each beside its Redis key, and no freed one", () => {
    const table = new LeaseTable();
    expect(table.list()).toEqual({ keys: [], leases: [] });
    for (const lease of ["a", "b", "c", "d"]) table.hold(lease, `k${lease}`);
    table.release(1, "b");
    table.release(3, "d");
    expect(table.list()).toEqual({ keys: ["ka", "kc"], leases: ["a", "c"] });
    table.hold("e", "ke");
    expect(table.list()).toEqual({ keys: ["ka", "kc", "ke"], leases: ["a", "c", "e"] });
  });
});

/** A Redis that admits everything and records the scripts it is asked to run. */
function fakeRedis() {
  const calls: { script: string; keys: readonly string[]; args: readonly string[] }[] = [];
  const listeners: Array<(connection: RedisConnection) => Promise<void>> = [];
  let up = true;
  const connection: RedisConnection = {
    ready: true,
    run(script: RedisScript, keys, args) {
      calls.push({ script: script.name, keys, args });
      return Promise.resolve([0, 0, 0, 0]);
    },
    command: () => Promise.resolve(null),
    batch: () => Promise.resolve([]),
    close: () => Promise.resolve(),
  };
  const link = {
    get connection() {
      return up ? connection : undefined;
    },
    onReady(listener: (connection: RedisConnection) => Promise<void>) {
      listeners.push(listener);
    },
    trouble() {},
  } as unknown as RedisLink;
  return {
    link,
    calls,
    set up(value: boolean) {
      up = value;
    },
    async back() {
      up = true;
      for (const listener of listeners) await listener(connection);
    },
  };
}

const request = (lease: string, name = "team"): AdmitRequest => ({
  name,
  hash: "sha256:x",
  limits: { rpm: null, tpm: 1000, concurrency: 10 },
  estimate: 10,
  lease,
});
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("SharedLimits' leases", () => {
  test("held from Redis's admission to the end, renewed meanwhile, and given back once", async () => {
    const clock = new FakeClock();
    const redis = fakeRedis();
    const limits = new SharedLimits(clock, redis.link);
    const first = await limits.admit(request("i:0"));
    const second = await limits.admit(request("i:1", "other"));
    expect([first.held, second.held]).toEqual([0, 1]);
    expect(limits.running("team")).toBe(1);

    clock.advance(LEASE_MS / 3);
    expect(redis.calls.at(-1)).toEqual({
      script: RENEW.name,
      keys: ["nexus:limit:team:leases", "nexus:limit:other:leases"],
      args: [String(LEASE_MS), "i:0", "i:1"],
    });

    limits.end({ request: request("i:0"), tokens: 4, held: first.held });
    expect(redis.calls.at(-1)).toEqual({
      script: END.name,
      keys: ["nexus:limit:team:tpm", "nexus:limit:team:leases"],
      args: ["1000", "6", "i:0"],
    });
    expect(limits.running("team")).toBe(0);
    // A second end of the same request, and the end of one admitted locally: nothing to Redis.
    const before = redis.calls.length;
    limits.end({ request: request("i:0"), tokens: 4, held: first.held });
    limits.end({ request: request("i:9"), tokens: 4 });
    expect(redis.calls.length).toBe(before);

    // The freed slot serves the next request; renewal lists only the leases held.
    const third = await limits.admit(request("i:2"));
    expect(third.held).toBe(first.held);
    clock.advance(LEASE_MS / 3);
    expect(redis.calls.at(-1)).toMatchObject({
      script: RENEW.name,
      keys: ["nexus:limit:team:leases", "nexus:limit:other:leases"],
      args: [String(LEASE_MS), "i:2", "i:1"],
    });
    limits.end({ request: request("i:2"), tokens: undefined, held: third.held });
    limits.end({ request: request("i:1", "other"), tokens: undefined, held: second.held });
    const renewals = redis.calls.filter((call) => call.script === RENEW.name).length;
    clock.advance(LEASE_MS);
    expect(redis.calls.filter((call) => call.script === RENEW.name).length).toBe(renewals);
    limits.stop();
  });

  test("a lease that ends while Redis is away is given back when it returns", async () => {
    const clock = new FakeClock();
    const redis = fakeRedis();
    const limits = new SharedLimits(clock, redis.link);
    const admitted = await limits.admit(request("i:0"));
    redis.up = false;
    limits.end({ request: request("i:0"), tokens: 10, held: admitted.held });
    expect(redis.calls.some((call) => call.script === END.name)).toBe(false);
    await redis.back();
    await flush();
    expect(redis.calls.at(-1)).toEqual({
      script: END.name,
      keys: ["nexus:limit:team:tpm", "nexus:limit:team:leases"],
      args: ["-1", "0", "i:0"],
    });
    // Given back once: not again at the next return, and not renewed.
    await redis.back();
    expect(redis.calls.filter((call) => call.script === END.name).length).toBe(1);
    clock.advance(LEASE_MS);
    expect(redis.calls.some((call) => call.script === RENEW.name)).toBe(false);
    limits.stop();
  });
});
