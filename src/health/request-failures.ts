/**
 * Requests failing while probes pass: a backend can answer `/health` and still refuse or fail
 * every completion (a broken model, a full disk). Its status stays what its probes say, and the
 * failures are reported: the request's error stays in `last_error` (a passing probe clears only
 * its own), and one warning is logged when the failures start, not on every check.
 * @module
 */
import type { Logger } from "../lib/logger.ts";
import type { Backend } from "../registry/mod.ts";

export class RequestFailureWatch {
  readonly #logger: Logger;
  /** `errors` as each backend's previous check saw it. */
  readonly #seen = new WeakMap<Backend, number>();
  readonly #reported = new WeakSet<Backend>();

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** After each check: warns once when requests failed since the previous one and this passed. */
  afterCheck(backend: Backend, passed: boolean): void {
    const seen = this.#seen.get(backend) ?? 0;
    this.#seen.set(backend, backend.errors);
    if (!passed || backend.errors <= seen) {
      this.#reported.delete(backend);
      return;
    }
    if (this.#reported.has(backend)) return;
    this.#reported.add(backend);
    this.#logger.warn("backend requests failing while health checks pass", {
      backend: backend.name,
      failed_requests: backend.errors - seen,
      last_error: backend.last_error,
    });
  }
}
