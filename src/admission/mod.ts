/**
 * Admission: backend slots and the queue of requests waiting for one (docs/architecture.md).
 *
 * ```ts
 * const admission = new Admission({ registry, clock, config: config.queue });
 * const grant = await admission.acquire(candidates, { priority: "normal", signal });
 * // … the attempt runs on grant.candidate …
 * admission.release(grant);
 * ```
 * @module
 */
export { Admission } from "./admission.ts";
export type { AdmissionDeps, AdmissionHooks, AdmissionTicket, Grant } from "./admission-types.ts";
export { PRIORITIES, type Priority } from "./wait-queue.ts";
