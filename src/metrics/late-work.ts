/**
 * Work about a finished request that need not happen before its answer — its log line and the
 * dashboard's history — queued and done for every request that ended within `LATE_WORK_MS` in
 * one batch. End to end, a request's JavaScript runs on its own wake-up after the kernel's
 * socket work and costs ~3 × what the same code costs in a warm loop; in a batch the log lines
 * are formatted warm (bench/RESULTS.md, "The fourth round": −2 to −7 % CPU per request).
 * A line is written at most `LATE_WORK_MS` after its request ended (the log's writer batches
 * its writes by the same 10 ms); whoever reads what the batch writes calls `flush` first.
 * @module
 */
import type { Clock, TimerHandle } from "../lib/clock.ts";
import { describeError } from "../lib/errors.ts";
import type { Logger } from "../lib/logger.ts";
import type { ExchangeEvent } from "../exchange/mod.ts";
import type { StreamEnd } from "../proxy/mod.ts";
import type { RequestRecord } from "./record.ts";

/** The longest a request's log line and dashboard record wait for their batch. */
export const LATE_WORK_MS = 10;

type Run = (event: ExchangeEvent, record: RequestRecord, end: StreamEnd | undefined) => void;

export class LateWork {
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #run: Run;
  /** Flat triples (event, record, end): one array per batch, no object per request. */
  #queue: unknown[] = [];
  #timer: TimerHandle | undefined;

  constructor(clock: Clock, logger: Logger, run: Run) {
    this.#clock = clock;
    this.#logger = logger;
    this.#run = run;
  }

  add(event: ExchangeEvent, record: RequestRecord, end: StreamEnd | undefined): void {
    this.#queue.push(event, record, end);
    this.#timer ??= this.#clock.setTimeout(() => this.#onTimer(), LATE_WORK_MS);
  }

  /** Does the queued work now (a reader is about to look, or the gateway stops). */
  flush(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#onTimer();
  }

  #onTimer(): void {
    this.#timer = undefined;
    const queue = this.#queue;
    if (queue.length === 0) return;
    this.#queue = [];
    for (let i = 0; i < queue.length; i += 3) {
      const event = queue[i] as ExchangeEvent;
      try {
        this.#run(event, queue[i + 1] as RequestRecord, queue[i + 2] as StreamEnd | undefined);
      } catch (error) {
        // One request's late work failing must not lose the others'; nothing reaches a client.
        this.#logger.error("cannot write a request's log line", {
          request_id: event.requestId,
          error: describeError(error),
        });
      }
    }
  }
}
