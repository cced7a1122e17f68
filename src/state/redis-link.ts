/**
 * The one Redis connection of an instance (`[state] redis_url`) and what the rest of Nexus needs
 * to know about it: is it usable now, and if not, why (for `/health`). Trouble is logged at warn
 * at most once a minute however many requests run into it; the return is logged once. Whoever
 * must reconcile state when Redis comes back registers with `onReady`; requests use Redis again
 * only once every such listener is done (a Redis restarted empty first gets the key registry
 * back, or it would refuse every key as revoked).
 * @module
 */
import type { Clock, TimerHandle } from "../lib/clock.ts";
import { describeError } from "../lib/errors.ts";
import type { Logger } from "../lib/logger.ts";
import type { RedisConnection, RedisOptions } from "../runtime/mod.ts";

export type OpenRedis = (url: string, options: RedisOptions) => Promise<RedisConnection>;

export interface RedisLinkDeps {
  readonly url: string;
  readonly open: OpenRedis;
  readonly clock: Clock;
  readonly logger: Logger;
  /** One command's deadline; past it the caller decides alone. @default 250 */
  readonly commandTimeoutMs?: number;
}

/** Trouble is logged at most this often. */
const WARN_EVERY_MS = 60_000;
/** A connection that failed a command but stayed open is tried again after this. */
const RETRY_MS = 1000;

export class RedisLink {
  readonly #deps: RedisLinkDeps;
  readonly #target: string;
  readonly #readyListeners: Array<(connection: RedisConnection) => Promise<void>> = [];
  #connection: RedisConnection | undefined;
  /** Reconciled since the connection last became ready. */
  #synced = false;
  #reason: string | undefined = "connecting";
  #lastWarn = -Infinity;
  #troubled = false;
  #closed = false;
  #retry: TimerHandle | undefined;
  /** Counts trouble, so a reconciliation that ran into some does not count as done. */
  #troubles = 0;

  constructor(deps: RedisLinkDeps) {
    this.#deps = deps;
    this.#target = redactUrl(deps.url);
  }

  /** `host:port/db` of the server: what logs and `/health` may name (never a password). */
  get target(): string {
    return this.#target;
  }

  /** The connection while it is usable and reconciled: what requests use. */
  get connection(): RedisConnection | undefined {
    return this.#synced && this.#connection?.ready ? this.#connection : undefined;
  }

  /** The connection while it is up, reconciled or not (reconciliation itself uses it). */
  get readyConnection(): RedisConnection | undefined {
    return this.#connection?.ready ? this.#connection : undefined;
  }

  /** Why Redis is not usable now; undefined when it is. */
  get problem(): string | undefined {
    if (!this.#connection?.ready) return this.#reason ?? "not connected";
    if (this.#synced) return undefined;
    // An open connection that stopped answering (a stalled Redis) says so, not "reconciling".
    return this.#troubled ? this.#reason : "reconciling";
  }

  /** Called every time the connection becomes usable (the first time included). */
  onReady(listener: (connection: RedisConnection) => Promise<void>): void {
    this.#readyListeners.push(listener);
  }

  async open(): Promise<void> {
    try {
      this.#connection = await this.#deps.open(this.#deps.url, {
        commandTimeoutMs: this.#deps.commandTimeoutMs ?? 250,
        connectTimeoutMs: 2000,
        onStatus: (status, reason) => this.#onStatus(status, reason),
      });
    } catch (error) {
      this.trouble(`cannot load the Redis client: ${describeError(error)}`);
    }
  }

  /** A command failed or timed out: Redis counts as unusable until it says it is ready again. */
  trouble(reason: string): void {
    this.#reason = reason;
    this.#troubled = true;
    this.#troubles++;
    // Requests stop waiting on it at once. A connection that is still open (a slow or stalled
    // Redis) is tried again in a second, by reconciling; a closed one when it reconnects.
    this.#synced = false;
    if (this.#connection?.ready && this.#retry === undefined && !this.#closed) {
      this.#retry = this.#deps.clock.setTimeout(() => {
        this.#retry = undefined;
        const connection = this.#connection;
        if (connection?.ready && !this.#synced) void this.#reconcile(connection);
      }, RETRY_MS);
    }
    const now = this.#deps.clock.monotonic();
    if (now - this.#lastWarn < WARN_EVERY_MS) return;
    this.#lastWarn = now;
    this.#deps.logger.warn("Redis unreachable: limits and usage are this instance's alone", {
      redis: this.#target,
      reason,
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retry !== undefined) this.#deps.clock.clearTimeout(this.#retry);
    await this.#connection?.close();
  }

  #onStatus(status: "ready" | "down", reason?: string): void {
    if (this.#closed) return;
    if (status === "down") {
      this.#synced = false;
      this.trouble(reason ?? "connection lost");
      return;
    }
    const connection = this.#connection;
    if (connection === undefined) return;
    void this.#reconcile(connection);
  }

  async #reconcile(connection: RedisConnection): Promise<void> {
    const troubles = this.#troubles;
    try {
      await Promise.all(this.#readyListeners.map((listener) => listener(connection)));
    } catch (error) {
      this.trouble(`reconciling: ${describeError(error)}`);
      return;
    }
    if (!connection.ready || this.#closed || this.#troubles !== troubles) return;
    this.#synced = true;
    this.#reason = undefined;
    if (this.#troubled) {
      this.#deps.logger.info("Redis is back: shared state resumes", { redis: this.#target });
    }
    this.#troubled = false;
  }
}

/** `redis://user:secret@host:6379/2` → `host:6379/2`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const db = parsed.pathname.replace(/^\/+/, "");
    return `${parsed.hostname}:${parsed.port || "6379"}${db ? `/${db}` : ""}`;
  } catch {
    return "(invalid URL)";
  }
}
