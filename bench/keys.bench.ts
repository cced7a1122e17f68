/**
 * API keys' cost and their constant-time check (issue 21). Run: `bun bench/keys.bench.ts`;
 * figures go to bench/RESULTS.md ("API keys"). With NEXUS_BENCH_SMOKE=1 (set by `npm test`)
 * every part runs once, briefly.
 *
 * 1. Per request, in process (mitata): authenticate a valid key; authenticate + admit under
 *    rpm, tpm and concurrency limits and release; an unknown key.
 * 2. Timing: 10,000 invalid keys sharing 0–34 leading characters with a real key. If the check
 *    compared keys character by character, time would grow with the shared prefix; the Pearson
 *    correlation between prefix length and time should be ~0.
 * 3. Through a whole gateway (loopback, mock backend at 0 ms), sequential requests: auth off,
 *    keys with in-process limits, keys with limits in a local redis-server (one round trip).
 */
import { bench, do_not_optimize, run } from "mitata";
import { generateKey, KeyStore } from "../src/auth/mod.ts";
import { Auth } from "../src/auth/mod.ts";
import { validateConfig } from "../src/config/mod.ts";
import { Logger } from "../src/lib/logger.ts";
import { systemClock } from "../src/lib/clock.ts";
import { memoryFiles } from "../src/state/mod.ts";
import { loadRuntime } from "../src/runtime/mod.ts";
import { startGateway } from "../tests/helpers/gateway.ts";
import { startMockBackend } from "../tests/helpers/mock-backend.ts";
import { startRedis } from "../tests/helpers/redis.ts";
import { tool } from "../tests/helpers/needs.ts";

const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env;
const SMOKE = env?.NEXUS_BENCH_SMOKE === "1";
const silent = new Logger({ level: "error", format: "json", write: () => {} });

// 1. Per request, in process.
const { config } = validateConfig({ auth: { mode: "keys", failures_per_minute: 1_000_000 } });
const auth = new Auth({
  config: config.auth,
  keysFile: "/bench/keys.json",
  files: memoryFiles(),
  clock: systemClock,
  logger: silent,
  resolveModel: (m) => m,
});
const plain = await auth.keys.create({ name: "plain" });
const limited = await auth.keys.create({
  name: "limited",
  rpm: 1_000_000_000,
  tpm: 1_000_000_000,
  concurrency: 1_000_000,
});
const plainHeaders = new Headers({ authorization: `Bearer ${plain.key}` });
const limitedHeaders = new Headers({ authorization: `Bearer ${limited.key}` });
const unknownHeaders = new Headers({ authorization: `Bearer ${generateKey()}` });
const outcome = { model: "m", promptTokens: 10, completionTokens: 20, failed: false };

bench(
  "authenticate a valid key",
  () => do_not_optimize(auth.guard.authenticate(plainHeaders, "a")),
);
bench("authenticate + admit (rpm, tpm, concurrency) + release", () => {
  const who = auth.guard.authenticate(limitedHeaders, "a");
  if ("kind" in who) throw new Error(who.message);
  const decided = auth.guard.admit(who, "m", 100, "a");
  if (decided instanceof Promise || !("pass" in decided)) throw new Error("refused");
  decided.pass.settle(outcome);
  decided.pass.release();
});
bench("an unknown key (401)", () => do_not_optimize(auth.guard.authenticate(unknownHeaders, "b")));
if (!SMOKE) await run({ colors: false });

// 2. Constant time: matched prefix length vs time.
const ring = new KeyStore({
  path: "/t.json",
  files: memoryFiles(),
  clock: systemClock,
  logger: silent,
});
const real = await ring.create({ name: "real" });
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const COUNT = SMOKE ? 200 : 10_000;
const REPEAT = SMOKE ? 2 : 25;
const body = real.key.slice(3);
const probes = Array.from({ length: COUNT }, (_, i) => {
  const shared = i % body.length; // 0..31 characters of the real key
  let rest = "";
  for (let j = shared; j < body.length; j++) {
    let c = ALPHABET[Math.floor(Math.random() * ALPHABET.length)]!;
    if (j === shared) { while (c === body[j]) c = ALPHABET[Math.floor(Math.random() * 64)]!; }
    rest += c;
  }
  // Decoded from bytes: every probe a flat string of one shape (a concatenation would leave
  // rope strings whose flattening cost depends on where the pieces join).
  const key = new TextDecoder().decode(
    new TextEncoder().encode(`nx-${body.slice(0, shared)}${rest}`),
  );
  return { shared: shared + 3, key };
});
const now = Date.now();
// Warm up, then time each probe as the median of REPEAT runs, in shuffled order.
for (const probe of probes.slice(0, 500)) ring.ring.verify(probe.key, now);
const times = new Array<number>(COUNT).fill(0);
const samples: number[][] = probes.map(() => []);
for (let r = 0; r < REPEAT; r++) {
  const order = [...probes.keys()].sort(() => Math.random() - 0.5);
  for (const i of order) {
    const start = performance.now();
    const known = ring.ring.verify(probes[i]!.key, now);
    samples[i]!.push(performance.now() - start);
    if (known !== undefined) throw new Error("an invalid key verified");
  }
}
samples.forEach((s, i) => (times[i] = s.sort((a, b) => a - b)[Math.floor(s.length / 2)]!));
const xs = probes.map((p) => p.shared);
const r = pearson(xs, times);
const meanAt = (n: number) => {
  const picked = times.filter((_, i) => xs[i] === n);
  return picked.reduce((a, b) => a + b, 0) / picked.length;
};
globalThis.console.log(
  `\nconstant time: ${COUNT} invalid keys × ${REPEAT} runs; Pearson r(prefix length, time) = ${
    r.toFixed(4)
  }; mean µs at 3 shared chars ${(meanAt(3) * 1000).toFixed(3)}, at 34 ${
    (meanAt(34) * 1000).toFixed(3)
  }`,
);

// 3. Through a whole gateway.
const runtime = await loadRuntime();
const mock = await startMockBackend({ models: [{ id: "m" }] });
const backends = [{ name: "mock", url: mock.url, models: ["m"] }];
const targets: Array<{ label: string; url: string; key?: string; close(): Promise<void> }> = [];
const off = await startGateway(backends);
targets.push({ label: "auth off", url: off.url, close: () => off.close() });
const local = await startGateway(backends, { auth: { mode: "keys" } }, {
  files: memoryFiles(),
  keysFile: "/l.json",
});
const localKey = (await local.gateway.auth!.keys.create({ name: "k", rpm: 1e9, concurrency: 1e6 }))
  .key;
targets.push({
  label: "keys, limits in process",
  url: local.url,
  key: localKey,
  close: async () => {
    await local.close();
    await local.gateway.stop();
  },
});
const redis = tool("redis-server", "redis-server").missing === undefined
  ? await startRedis()
  : undefined;
if (redis) {
  const shared = await startGateway(backends, {
    auth: { mode: "keys" },
    state: { redis_url: redis.url },
  }, { files: memoryFiles(), keysFile: "/r.json", openRedis: runtime.openRedis });
  while (shared.gateway.redis?.connection === undefined) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const sharedKey = (await shared.gateway.auth!.keys.create({
    name: "k",
    rpm: 1e9,
    concurrency: 1e6,
  })).key;
  targets.push({
    label: "keys, limits in Redis",
    url: shared.url,
    key: sharedKey,
    close: async () => {
      await shared.close();
      await shared.gateway.stop();
    },
  });
}
const ROUNDS = SMOKE ? 1 : 20;
const PER_ROUND = SMOKE ? 5 : 100;
const latencies = new Map<string, number[]>(targets.map((t) => [t.label, []]));
const send = async (target: typeof targets[number]) => {
  const start = performance.now();
  const response = await fetch(`${target.url}/v1/chat/completions`, {
    method: "POST",
    headers: target.key ? { authorization: `Bearer ${target.key}` } : {},
    body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
  });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`${target.label}: ${response.status}`);
  return performance.now() - start;
};
for (const target of targets) for (let i = 0; i < 50; i++) await send(target);
for (let round = 0; round < ROUNDS; round++) {
  for (const target of round % 2 ? [...targets].reverse() : targets) {
    for (let i = 0; i < PER_ROUND; i++) latencies.get(target.label)!.push(await send(target));
  }
}
globalThis.console.log(
  `\nsequential c=1 through the gateway, ${ROUNDS} rounds × ${PER_ROUND} (ms, client send → last byte):`,
);
for (const [label, values] of latencies) {
  values.sort((a, b) => a - b);
  const at = (q: number) => values[Math.min(values.length - 1, Math.floor(q * values.length))]!;
  globalThis.console.log(
    `  ${label.padEnd(26)} p50 ${at(0.5).toFixed(3)}  p90 ${at(0.9).toFixed(3)}  p99 ${
      at(0.99).toFixed(3)
    }`,
  );
}
for (const target of targets) await target.close();
await mock.close();
await redis?.kill();
await auth.stop();

function pearson(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}
