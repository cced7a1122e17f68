/**
 * The Redis adapter: `@redis/client` (node-redis, the client Redis itself maintains; plain
 * node:net underneath, which Bun, Deno and the compiled binary all provide, and no dependencies
 * of its own). Reconnects with a capped backoff; the offline queue is off so a command issued
 * while Redis is down fails at once and the caller goes on with its local state.
 * @module
 */
import { createHash } from "node:crypto";
import { createClient } from "@redis/client";
import type { RedisConnection, RedisOptions, RedisScript } from "./redis-types.ts";

/** Reconnect attempts back off from 100 ms to this. */
const MAX_BACKOFF_MS = 2000;

export function openRedisConnection(url: string, options: RedisOptions): RedisConnection {
  const shas = new Map<RedisScript, string>();
  let ready = false;
  let closed = false;
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: options.connectTimeoutMs,
      reconnectStrategy: (retries: number) =>
        closed ? false : Math.min(100 * 2 ** Math.min(retries, 5), MAX_BACKOFF_MS),
    },
  });
  const down = (reason: string) => {
    if (!ready) return;
    ready = false;
    options.onStatus("down", reason);
  };
  // Without an "error" listener an EventEmitter throws: a lost connection would crash Nexus.
  client.on("error", (error: Error) => {
    if (ready) down(describe(error));
    else if (!closed) options.onStatus("down", describe(error));
  });
  client.on("ready", () => {
    ready = true;
    options.onStatus("ready");
  });
  client.on("end", () => down("connection closed"));
  client.on("reconnecting", () => down("reconnecting"));
  // connect() rejects when the first attempt fails; the reconnect strategy keeps trying after.
  client.connect().catch(() => {});
  // rejectInFlight: the deadline also covers a command already sent (a stalled Redis keeps the
  // connection open and never answers); its late reply is discarded by the client.
  const timeout = { timeout: options.commandTimeoutMs, rejectInFlight: true };
  const send = (args: readonly string[]) =>
    deadline(client.sendCommand([...args], timeout), options.commandTimeoutMs);
  return {
    get ready() {
      return ready;
    },
    async run(script, keys, args) {
      let sha = shas.get(script);
      if (sha === undefined) {
        sha = createHash("sha1").update(script.source).digest("hex");
        shas.set(script, sha);
      }
      try {
        return await send(["EVALSHA", sha, String(keys.length), ...keys, ...args]);
      } catch (error) {
        if (!String((error as Error)?.message).startsWith("NOSCRIPT")) throw error;
        return await send(["EVAL", script.source, String(keys.length), ...keys, ...args]);
      }
    },
    command: send,
    async batch(commands) {
      const multi = client.multi();
      for (const command of commands) multi.addCommand([...command]);
      return await deadline(multi.exec() as Promise<unknown[]>, options.commandTimeoutMs);
    },
    async close() {
      closed = true;
      ready = false;
      try {
        client.destroy();
      } catch { /* already closed */ }
      await Promise.resolve();
    },
  };
}

/** Rejects after `ms` if `promise` has not settled: a caller never waits longer on Redis. */
function deadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from Redis within ${ms} ms`)), ms);
  });
  promise.catch(() => {}); // a rejection after the deadline is nobody's business
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

function describe(error: Error): string {
  const code = (error as { code?: string }).code;
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "host not found";
  return error.message || String(error);
}
