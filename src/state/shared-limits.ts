/**
 * The limit store a gateway uses: the in-process one alone, or Redis first with the in-process
 * one as its shadow and fallback. While Redis answers it decides (one script, one round trip per
 * request before the request goes on) and the local store is charged the same, so it is warm the
 * moment Redis stops answering. When Redis fails — refused, closed, or slower than the command
 * deadline — the local store decides and the request goes on: no request fails because Redis did.
 * Requests Redis admitted keep their leases alive while they run (long streams) and give them
 * back when they end; requests admitted locally never touch Redis. A lease whose end Redis did
 * not hear (it was unreachable then) is given back when Redis is reconciled, before requests use
 * it again: otherwise a key's concurrency limit would stay taken by requests long finished.
 * @module
 */
import type { Clock, TimerHandle } from "../lib/clock.ts";
import { describeError } from "../lib/errors.ts";
import type { AdmitRequest, Decision, Settlement } from "./limits.ts";
import { LeaseTable } from "./lease-table.ts";
import { LocalLimits } from "./local-limits.ts";
import type { RedisLink } from "./redis-link.ts";
import type { RedisConnection } from "../runtime/mod.ts";
import { ADMIT, END, RENEW } from "./scripts.ts";
import { viewOf } from "./token-bucket.ts";

/** A lease outlives a crashed instance by at most this long. */
export const LEASE_MS = 60_000;
const RENEW_EVERY_MS = LEASE_MS / 3;
const REFUSALS = [undefined, "concurrency", "requests", "tokens"] as const;

export interface LimitStore {
  admit(request: AdmitRequest): Decision | Promise<Decision>;
  end(settlement: Settlement): void;
}

export class SharedLimits implements LimitStore {
  readonly #local = new LocalLimits();
  readonly #clock: Clock;
  readonly #redis: RedisLink | undefined;
  /** Leases of requests Redis admitted and still running, by slot (`Decision.held`). */
  readonly #leases = new LeaseTable();
  /** Leases of requests that ended while Redis could not hear it: lease → key name. */
  readonly #unreleased = new Map<string, string>();
  #renewTimer: TimerHandle | undefined;

  constructor(clock: Clock, redis?: RedisLink) {
    this.#clock = clock;
    this.#redis = redis;
    redis?.onReady((connection) => this.#releaseLost(connection));
  }

  admit(request: AdmitRequest): Decision | Promise<Decision> {
    const connection = this.#redis?.connection;
    if (connection === undefined) return this.#local.admit(request, this.#clock.now());
    const { name, hash, limits, estimate, lease } = request;
    return connection.run(
      ADMIT,
      [LIVE_KEYS, bucketKey(name, "rpm"), bucketKey(name, "tpm"), leasesKey(name)],
      [
        name,
        hash,
        String(limits.rpm ?? -1),
        String(limits.tpm ?? -1),
        String(limits.concurrency ?? -1),
        String(estimate),
        lease,
        String(LEASE_MS),
      ],
    ).then(
      (reply) => this.#decided(request, reply as number[]),
      (error) => {
        this.#redis!.trouble(describeError(error));
        return this.#local.admit(request, this.#clock.now());
      },
    );
  }

  end(settlement: Settlement): void {
    this.#local.end(settlement, this.#clock.now());
    const { request, tokens, held } = settlement;
    if (held === undefined) return;
    const leases = this.#leases.release(held, request.lease);
    if (leases === undefined) return;
    const back = tokens === undefined ? 0 : request.estimate - tokens;
    const connection = this.#redis?.connection;
    if (connection === undefined) {
      this.#unreleased.set(request.lease, request.name);
      return;
    }
    // After the answer: nobody waits for it.
    connection.run(END, [bucketKey(request.name, "tpm"), leases], [
      String(request.limits.tpm ?? -1),
      String(back),
      request.lease,
    ]).catch((error) => {
      this.#unreleased.set(request.lease, request.name);
      this.#redis!.trouble(describeError(error));
    });
  }

  /** Requests running under `name`, as this instance counts them. */
  running(name: string): number {
    return this.#local.running(name);
  }

  stop(): void {
    if (this.#renewTimer !== undefined) this.#clock.clearTimeout(this.#renewTimer);
    this.#renewTimer = undefined;
  }

  #decided(request: AdmitRequest, reply: readonly number[]): Decision {
    const [refusal, retryAfterMs, rpmLevel, tpmLevel] = reply.map(Number) as [
      number,
      number,
      number,
      number,
    ];
    if (refusal === -1) return { ok: false, revoked: true, retryAfterMs: 0 };
    const { limits } = request;
    const views = {
      ...(limits.rpm === null ? {} : { requests: viewOf(rpmLevel, limits.rpm) }),
      ...(limits.tpm === null ? {} : { tokens: viewOf(tpmLevel, limits.tpm) }),
    };
    if (refusal !== 0) return { ok: false, limited: REFUSALS[refusal], retryAfterMs, ...views };
    this.#local.charge(request, this.#clock.now());
    if (limits.concurrency === null) return { ok: true, retryAfterMs: 0, ...views };
    const held = this.#leases.hold(request.lease, leasesKey(request.name));
    this.#scheduleRenewal();
    return { ok: true, retryAfterMs: 0, held, ...views };
  }

  /** Gives back the leases Redis missed the end of (their tokens stay charged: an estimate). */
  async #releaseLost(connection: RedisConnection): Promise<void> {
    for (const [lease, name] of [...this.#unreleased]) {
      await connection.run(END, [bucketKey(name, "tpm"), leasesKey(name)], ["-1", "0", lease]);
      this.#unreleased.delete(lease);
    }
  }

  #scheduleRenewal(): void {
    if (this.#renewTimer !== undefined) return;
    this.#renewTimer = this.#clock.setTimeout(() => {
      this.#renewTimer = undefined;
      if (this.#leases.size === 0) return;
      const { keys, leases } = this.#leases.list();
      this.#redis?.connection?.run(RENEW, keys, [String(LEASE_MS), ...leases])
        .catch((error) => this.#redis!.trouble(describeError(error)));
      this.#scheduleRenewal();
    }, RENEW_EVERY_MS);
  }
}

/** Redis keys: the registry of live key hashes, and per key name its buckets and leases. */
export const KEY_RECORDS = "nexus:keys";
export const LIVE_KEYS = "nexus:keys:live";
export const KEYS_REVISION = "nexus:keys:rev";

function bucketKey(name: string, limit: "rpm" | "tpm"): string {
  return `nexus:limit:${name}:${limit}`;
}

function leasesKey(name: string): string {
  return `nexus:limit:${name}:leases`;
}
