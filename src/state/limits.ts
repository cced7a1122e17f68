/**
 * What a key may do per minute and at once, and the answer to "may this request start?". The
 * in-process store (local-limits.ts) and the Redis store (redis-limits.ts) give the same answer
 * for the same history; shared-limits.ts picks Redis while it answers.
 * @module
 */
import type { LimitView } from "./token-bucket.ts";

export interface KeyLimits {
  /** Requests per minute. */
  readonly rpm: number | null;
  /** Tokens (prompt + completion) per minute. */
  readonly tpm: number | null;
  /** Requests running at once. */
  readonly concurrency: number | null;
}

export type LimitName = "requests" | "tokens" | "concurrency";

/** One request asking to start under a key. */
export interface AdmitRequest {
  /** The key's name (never the key). */
  readonly name: string;
  /** The key's hash, so a shared store can refuse a key revoked on another instance. */
  readonly hash: string;
  readonly limits: KeyLimits;
  /** Tokens charged now (the prompt estimate), settled when the answer ends. */
  readonly estimate: number;
  /** Unique per request: its concurrency lease. */
  readonly lease: string;
}

export interface Decision {
  readonly ok: boolean;
  /** The limit that refused it. */
  readonly limited?: LimitName;
  /** A shared store no longer knows the key (revoked elsewhere): answer as for an unknown key. */
  readonly revoked?: boolean;
  /** When a refused request could pass (ms). */
  readonly retryAfterMs: number;
  readonly requests?: LimitView;
  readonly tokens?: LimitView;
  /** A shared store holds the request's concurrency lease in this slot: its `Settlement.held`. */
  readonly held?: number;
}

/** How a request ended, for its charges: the tokens it really used, when the backend said. */
export interface Settlement {
  readonly request: AdmitRequest;
  /** Prompt + completion tokens; undefined keeps the estimate as the charge. */
  readonly tokens: number | undefined;
  /** The admission's `Decision.held`: the lease to give back. */
  readonly held?: number;
}

export function hasLimits(limits: KeyLimits): boolean {
  return limits.rpm !== null || limits.tpm !== null || limits.concurrency !== null;
}
