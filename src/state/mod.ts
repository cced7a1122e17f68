/**
 * State that outlives a request: per-key limits (token buckets, concurrency leases), usage by
 * key, model and day, and the key registry several instances share. In process by default;
 * with `[state] redis_url`, in Redis first and in process while Redis is unreachable
 * (docs/architecture.md, "Keys, limits and shared state").
 *
 * ```ts
 * const link = new RedisLink({ url, open: runtime.openRedis, clock, logger });
 * const limits = new SharedLimits(clock, link);
 * const decision = await limits.admit({ name, hash, limits: { rpm: 60, tpm: null, concurrency: 2 }, estimate, lease });
 * // … when the answer ends:
 * limits.end({ request, tokens: 1234, held: decision.held });
 * ```
 * @module
 */
export {
  type AdmitRequest,
  type Decision,
  hasLimits,
  type KeyLimits,
  type LimitName,
  type Settlement,
} from "./limits.ts";
export { CONCURRENCY_RETRY_MS, LocalLimits } from "./local-limits.ts";
export { type OpenRedis, redactUrl, RedisLink } from "./redis-link.ts";
export { LEASE_MS, type LimitStore, SharedLimits } from "./shared-limits.ts";
export { POLL_MS, type SharedRecord, SharedRecords } from "./shared-records.ts";
export { ADMIT, END, RENEW, UPSERT_KEY } from "./scripts.ts";
export {
  type BucketState,
  canTake,
  levelAt,
  type LimitView,
  UNITS,
  viewOf,
  waitFor,
} from "./token-bucket.ts";
export { RETENTION_DAYS, type StateFiles, UsageBook } from "./usage-book.ts";
export {
  dayOf,
  daysBefore,
  emptyCounts,
  type UsageCounts,
  type UsageRow,
  UsageTable,
} from "./usage-table.ts";
export { memoryFiles } from "./memory-files.ts";
