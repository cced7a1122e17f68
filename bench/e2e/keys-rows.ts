/**
 * API keys' cost in the same run: Nexus as measured everywhere else (`[auth] mode = "off"`)
 * beside two more instances of it, one with `[auth] mode = "keys"` (a key with rpm, tpm and
 * concurrency limits, kept in process) and one whose limits live in a local `redis-server`
 * (`[state] redis_url`, one round trip per request). Sequential c=1 latency against direct,
 * and the gateway's CPU per request in a closed loop (wrk c=32), in rotating rounds.
 * @module
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { postOnce, type RequestSpec } from "./client.ts";
import { luaScript, wrk } from "./closed-loop.ts";
import { keysToml, makeKey } from "./keyed.ts";
import { canPin } from "./procs.ts";
import { TMP } from "./paths.ts";
import { rotate } from "./sequential.ts";
import { median, summarize, type Summary } from "./stats.ts";
import {
  freePort,
  type Gateway,
  LOAD_CPU,
  type NexusMode,
  startNexus,
  type Topology,
  writeNexusConfig,
} from "./topology.ts";
import { REDIS_SERVER, type RedisServer, startRedis } from "../../tests/helpers/redis.ts";

export type KeysVariant = "off" | "keys" | "redis";

export interface KeysOptions {
  readonly rounds: number;
  readonly perRound: number;
  readonly warmup: number;
  readonly loop: { readonly seconds: number; readonly warmupSeconds: number } | null;
}

export interface KeysFigures {
  readonly latency: Summary;
  readonly addedP50: number;
  readonly addedP99: number;
  readonly errors: number;
  /** Gateway CPU per request, c=32 closed loop, µs (median of rounds). */
  readonly cpuUs?: number;
}

export interface KeysResult {
  readonly options: KeysOptions;
  readonly variants: Partial<Record<KeysVariant, KeysFigures>>;
  /** Why the Redis variant did not run, when it did not. */
  readonly redisNote?: string;
}

/** Starts a keyed Nexus and makes its key over the admin API (a loopback peer may). */
async function keyedNexus(
  topo: Topology,
  mode: NexusMode,
  name: string,
  redis: RedisServer | undefined,
): Promise<{ gateway: Gateway; key: string }> {
  const port = await freePort();
  const extra = keysToml(name, redis?.url);
  const config = writeNexusConfig(topo.mocks, port, { name, extra });
  const models = Object.values(topo.mocks).map((m) => m.model);
  // Keys mode: the model list needs a key too, so readiness is checked with the key below.
  const gateway = await startNexus(mode, config, [], {}, name, port);
  return { gateway, key: await makeKey(gateway.url, models, () => gateway.proc.output()) };
}

export async function keysRows(
  topo: Topology,
  mode: NexusMode,
  options: KeysOptions,
): Promise<KeysResult> {
  const gateways: Partial<Record<KeysVariant, { gateway: Gateway; key?: string }>> = {
    off: { gateway: topo.nexus },
  };
  let redis: RedisServer | undefined;
  let redisNote: string | undefined;
  gateways.keys = await keyedNexus(topo, mode, "nexus-keys", undefined);
  if (REDIS_SERVER.missing === undefined) {
    redis = await startRedis();
    // The outside world's side of the machine, as the mocks.
    if (canPin()) spawnSync("taskset", ["-a", "-cp", String(LOAD_CPU), String(redis.pid)]);
    gateways.redis = await keyedNexus(topo, mode, "nexus-redis", redis);
  } else {
    redisNote = `redis-server is not installed (${REDIS_SERVER.missing})`;
  }
  try {
    const variants = Object.keys(gateways) as KeysVariant[];
    const spec = (variant: KeysVariant | "direct"): RequestSpec => {
      if (variant === "direct") return topo.request("direct", "fast", false);
      const { gateway, key } = gateways[variant]!;
      return topo.request("nexus", "fast", false, {
        via: gateway,
        headers: key ? { authorization: `Bearer ${key}` } : {},
      });
    };
    const all: (KeysVariant | "direct")[] = ["direct", ...variants];
    const samples = new Map(all.map((v) => [v, [] as number[]]));
    const errors = new Map(all.map((v) => [v, 0]));
    for (const v of all) for (let i = 0; i < options.warmup; i++) await postOnce(spec(v));
    for (let round = 0; round < options.rounds; round++) {
      for (const v of rotate(all, round)) {
        for (let i = 0; i < options.perRound; i++) {
          const result = await postOnce(spec(v));
          if (result.status === 200) samples.get(v)!.push(result.ms);
          else errors.set(v, errors.get(v)! + 1);
        }
      }
    }
    const cpu = new Map(variants.map((v) => [v, [] as number[]]));
    if (options.loop) {
      const scripts = new Map<KeysVariant, { url: string; script: string }>();
      for (const v of variants) {
        const s = spec(v);
        const script = `${TMP}wrk-keys-${v}.lua`;
        writeFileSync(script, luaScript(s.body, s.headers));
        scripts.set(v, { url: s.url, script });
        const pids = { gateway: gateways[v]!.gateway.proc.pid, mock: topo.mocks.fast.proc.pid };
        await wrk(s.url, script, 32, options.loop.warmupSeconds, pids);
      }
      for (let round = 0; round < options.rounds; round++) {
        for (const v of rotate(variants, round)) {
          const { url, script } = scripts.get(v)!;
          const pids = { gateway: gateways[v]!.gateway.proc.pid, mock: topo.mocks.fast.proc.pid };
          const run = await wrk(url, script, 32, options.loop.seconds, pids);
          if (run.errors === 0) cpu.get(v)!.push(run.gatewayCpuUs!);
          else errors.set(v, errors.get(v)! + run.errors);
        }
      }
    }
    const direct = summarize(samples.get("direct")!);
    const out: KeysResult["variants"] = {};
    for (const v of variants) {
      const latency = summarize(samples.get(v)!);
      const cpus = cpu.get(v)!;
      out[v] = {
        latency,
        addedP50: latency.p50 - direct.p50,
        addedP99: latency.p99 - direct.p99,
        errors: errors.get(v)!,
        ...(cpus.length ? { cpuUs: median(cpus) } : {}),
      };
    }
    return { options, variants: out, ...(redisNote ? { redisNote } : {}) };
  } finally {
    await gateways.keys?.gateway.proc.stop();
    await gateways.redis?.gateway.proc.stop();
    await redis?.kill();
  }
}
