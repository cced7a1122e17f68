/**
 * A Nexus in keys mode for the benches: its `[auth]` (and `[state]`) config, and a key made over
 * the admin API (a loopback peer may) with limits no run reaches, so every limit is charged on
 * every request and none refuses. `bench/e2e/keys-rows.ts`, and `--keys` of `bench/cpu.ts` and
 * `bench/gc-log.ts`.
 * @module
 */
import { rmSync } from "node:fs";
import { TMP } from "./paths.ts";

/** rpm, tpm and concurrency all set: each request takes a lease and charges both buckets. */
export const KEY_LIMITS = {
  name: "bench",
  rpm: 1_000_000_000,
  tpm: 1_000_000_000,
  concurrency: 100_000,
};

/** `local`: limits in process; `redis`: limits in Redis (`[state] redis_url`). */
export type KeysMode = "local" | "redis";

/**
 * Gateway `name`'s keys mode: its own `--keys-for NAME=MODE` (one of `keysFor`), else `--keys`
 * (`keys`), else none. Throws on any other mode, naming the flag's value.
 */
export function keysModeOf(
  name: string,
  keysFor: readonly string[],
  keys: string | undefined,
): KeysMode | undefined {
  const own = keysFor.find((t) => t.startsWith(`${name}=`))?.slice(name.length + 1);
  const mode = own ?? keys;
  if (mode === undefined || mode === "local" || mode === "redis") return mode;
  throw new Error(`--keys ${mode}: expected local or redis`);
}

/** The config lines of a keyed Nexus named `name` (its keys file starts empty). */
export function keysToml(name: string, redisUrl?: string): string {
  rmSync(`${TMP}${name}-keys.json`, { force: true });
  rmSync(`${TMP}${name}-keys.usage.jsonl`, { force: true });
  return `[auth]\nmode = "keys"\nkeys_file = "${TMP}${name}-keys.json"\n` +
    `failures_per_minute = 1000000\n` +
    (redisUrl ? `\n[state]\nredis_url = "${redisUrl}"\n` : "");
}

/**
 * Makes the bench key on the Nexus at `url` once it answers, and waits until that key lists
 * every model in `models` (keys mode: the model list needs a key). Returns the key. Gateways
 * sharing one Redis share its key names: give each its own `name`.
 */
export async function makeKey(
  url: string,
  models: readonly string[],
  describe: () => string,
  { timeoutMs = 20_000, name = KEY_LIMITS.name }: { timeoutMs?: number; name?: string } = {},
): Promise<string> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const created = await fetch(`${url}/v1/keys`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...KEY_LIMITS, name }),
    }).then(
      async (r) => r.status === 201 ? (await r.json()).key as string : undefined,
      () => undefined,
    );
    if (created) {
      const listed = await fetch(`${url}/v1/models`, {
        headers: { authorization: `Bearer ${created}` },
      }).then((r) => r.text(), () => "");
      if (models.every((m) => listed.includes(`"${m}"`))) return created;
    }
    if (performance.now() > deadline) {
      throw new Error(`${url} never served its key:\n${describe()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
