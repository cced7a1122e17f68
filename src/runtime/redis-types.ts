/**
 * What Nexus needs of a Redis connection: Lua scripts by hash, plain commands, batches in one
 * round trip, and to hear when the server comes and goes. The adapter (redis.ts) wraps
 * `@redis/client`; code above src/runtime/ sees only this interface.
 * @module
 */

/** A Lua script, sent once and then run by its SHA-1 (EVALSHA). */
export interface RedisScript {
  readonly name: string;
  readonly source: string;
}

export interface RedisOptions {
  /** How long one command may take before it fails (the caller then decides alone). */
  readonly commandTimeoutMs: number;
  /** How long connecting may take. */
  readonly connectTimeoutMs: number;
  /** Told when the connection becomes usable and when it is lost (with the reason). */
  readonly onStatus: (status: "ready" | "down", reason?: string) => void;
}

/**
 * One connection that reconnects by itself. Commands issued while it is down fail at once
 * (nothing queues), so a caller falls back rather than waits.
 */
export interface RedisConnection {
  readonly ready: boolean;
  /** Runs `script` with `keys` and `args` (EVALSHA; the source is sent once on NOSCRIPT). */
  run(script: RedisScript, keys: readonly string[], args: readonly string[]): Promise<unknown>;
  /** One command, e.g. `["GET", "k"]`. */
  command(args: readonly string[]): Promise<unknown>;
  /** Several commands in one MULTI/EXEC round trip; the replies in order. */
  batch(commands: ReadonlyArray<readonly string[]>): Promise<unknown[]>;
  /** Closes the connection for good (no reconnect). */
  close(): Promise<void>;
}
