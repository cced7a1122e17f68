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
export {
  Admission,
  type AdmissionDeps,
  type AdmissionHooks,
  type AdmissionTicket,
  type Grant,
} from "./admission.ts";
export { PRIORITIES, type Priority } from "./wait-queue.ts";
