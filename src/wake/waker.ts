/**
 * Waking sleeping backends (`[[backends]] wake`). A wake attempt sends one magic packet, repeats
 * it every 10 s while the machine boots (a packet can be lost, a NIC can miss the first one), and
 * probes the backend every 2 s through the health checker, so the first successful probe makes
 * it healthy (src/health/state.ts: an asleep backend's first success) and ends the attempt. Past
 * the backend's `wake.timeout_seconds` the attempt gives up with a Failure.
 *
 * Concurrent requests share one attempt per backend: they all wait on the same promise, and the
 * packets go out once per attempt, not once per request. Timers come from the Clock.
 * @module
 */
import type { Clock, TimerHandle } from "../lib/clock.ts";
import { describeError } from "../lib/errors.ts";
import { type Failure, failure } from "../lib/failures.ts";
import type { Logger } from "../lib/logger.ts";
import { type Backend, isRoutable, type Registry } from "../registry/mod.ts";
import { magicPacket } from "./magic-packet.ts";

/** A lost packet is sent again this often until the backend answers. */
export const RESEND_MS = 10_000;
/** How often a waking backend is probed (instead of the health interval). */
export const WAKE_PROBE_MS = 2_000;
/** Seconds a client is told to wait after a wake that timed out: it may still be booting. */
const RETRY_AFTER_TIMEOUT = "30";

export type WakeResult =
  | { readonly ok: true; readonly ms: number }
  | { readonly ok: false; readonly failure: Failure };

export interface WakeHooks {
  /** A wake attempt sent its first packet. */
  readonly onWake?: (backend: Backend) => void;
  /** The backend answered `ms` after the first packet. */
  readonly onWoke?: (backend: Backend, ms: number) => void;
}

export interface WakerDeps {
  readonly registry: Registry;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The runtime's `sendBroadcast`. */
  readonly send: (data: Uint8Array, address: string, port: number) => Promise<void>;
  /** Probes a backend now (the health checker's `check`). */
  readonly probe: (backend: Backend) => Promise<void>;
  readonly hooks?: WakeHooks;
}

export class Waker {
  readonly #deps: WakerDeps;
  readonly #attempts = new Map<Backend, WakeAttempt>();
  #unsubscribe: (() => void) | undefined;

  constructor(deps: WakerDeps) {
    this.#deps = deps;
  }

  /** Backends being woken now. */
  get waking(): readonly Backend[] {
    return [...this.#attempts.keys()];
  }

  /**
   * Starts the wake of `backend`, or joins the one running; resolves when it is routable, or
   * with why not. A backend without `wake`, or already up, resolves at once.
   */
  wake(backend: Backend): Promise<WakeResult> {
    if (isRoutable(backend.status)) return Promise.resolve({ ok: true, ms: 0 });
    if (backend.wake === undefined) {
      return Promise.resolve({
        ok: false,
        failure: failure("wake_failed", `Backend ${backend.name} has no wake settings`),
      });
    }
    const running = this.#attempts.get(backend);
    if (running) return running.result;
    this.#listen();
    const attempt = new WakeAttempt(backend, this.#deps, () => this.#attempts.delete(backend));
    this.#attempts.set(backend, attempt);
    attempt.start();
    return attempt.result;
  }

  /**
   * Starts the wake of `backend` (or joins the running one) and resolves once its first packet
   * is out: nothing, or why it could not be sent (`POST /v1/backends/{name}/wake`).
   */
  async begin(backend: Backend): Promise<Failure | undefined> {
    const result = this.wake(backend);
    const attempt = this.#attempts.get(backend);
    if (attempt !== undefined) return await attempt.sent;
    const settled = await result;
    return settled.ok ? undefined : settled.failure;
  }

  /**
   * For a request whose only candidates are asleep: wakes each (sharing attempts) and resolves
   * with nothing as soon as one is up, or with the first failure once all gave up, or when the
   * request ends (`signal`) with `client_closed`.
   */
  wait(backends: readonly Backend[], signal: AbortSignal): Promise<Failure | undefined> {
    if (signal.aborted) return Promise.resolve(clientGone());
    return new Promise((resolve) => {
      let left = backends.length;
      let first: Failure | undefined;
      let settled = false;
      const settle = (result: Failure | undefined) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener("abort", onAbort);
        resolve(result);
      };
      const onAbort = () => settle(clientGone());
      signal.addEventListener("abort", onAbort, { once: true });
      for (const backend of backends) {
        void this.wake(backend).then((result) => {
          if (result.ok) return settle(undefined);
          first ??= result.failure;
          if (--left === 0) settle(first);
        });
      }
    });
  }

  /** Ends every attempt (shutdown): waiting requests get `shutting_down`. */
  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    for (const attempt of [...this.#attempts.values()]) {
      attempt.finish({
        ok: false,
        failure: failure("shutting_down", "Nexus is shutting down; retry shortly", {
          retryAfter: "5",
        }),
      });
    }
  }

  /** Status changes end attempts: up (woken), or removed. */
  #listen(): void {
    this.#unsubscribe ??= this.#deps.registry.onChange((event) => {
      const attempt = this.#attempts.get(event.backend);
      if (attempt === undefined) return;
      if (event.kind === "removed") {
        attempt.finish({
          ok: false,
          failure: failure("wake_failed", `Backend ${event.backend.name} was removed while waking`),
        });
      } else if (event.kind === "status" && isRoutable(event.backend.status)) {
        attempt.woke();
      }
    });
  }
}

/** One backend's wake: its packets, probes and deadline. */
class WakeAttempt {
  readonly result: Promise<WakeResult>;
  /** Settles after the first packet: nothing, or why it could not be sent. */
  readonly sent: Promise<Failure | undefined>;
  #resolveSent!: (failure: Failure | undefined) => void;
  readonly #backend: Backend;
  readonly #deps: WakerDeps;
  readonly #onEnd: () => void;
  readonly #timers: TimerHandle[] = [];
  #resolve!: (result: WakeResult) => void;
  #startedAt = 0;
  #packets = 0;
  #done = false;

  constructor(backend: Backend, deps: WakerDeps, onEnd: () => void) {
    this.#backend = backend;
    this.#deps = deps;
    this.#onEnd = onEnd;
    this.result = new Promise((resolve) => (this.#resolve = resolve));
    this.sent = new Promise((resolve) => (this.#resolveSent = resolve));
  }

  start(): void {
    const { clock, logger, hooks } = this.#deps;
    const wake = this.#backend.wake!;
    this.#startedAt = clock.monotonic();
    logger.info("waking backend", {
      backend: this.#backend.name,
      mac: wake.mac,
      broadcast: `${wake.broadcast}:${wake.port}`,
      timeout_seconds: wake.timeout_seconds,
    });
    hooks?.onWake?.(this.#backend);
    void this.#send();
    this.#every(RESEND_MS, () => void this.#send());
    this.#every(WAKE_PROBE_MS, () => void this.#deps.probe(this.#backend));
    this.#timers.push(clock.setTimeout(() => this.#timedOut(), wake.timeout_seconds * 1000));
  }

  /** The backend answers: every request waiting for it goes on. */
  woke(): void {
    const ms = this.#deps.clock.monotonic() - this.#startedAt;
    this.#deps.logger.info("backend woke", {
      backend: this.#backend.name,
      after_seconds: Math.round(ms / 100) / 10,
      packets: this.#packets,
    });
    this.#deps.hooks?.onWoke?.(this.#backend, ms);
    this.finish({ ok: true, ms });
  }

  finish(result: WakeResult): void {
    if (this.#done) return;
    this.#done = true;
    for (const timer of this.#timers) this.#deps.clock.clearTimeout(timer);
    this.#onEnd();
    this.#resolveSent(result.ok ? undefined : result.failure);
    this.#resolve(result);
  }

  async #send(): Promise<void> {
    if (this.#done) return;
    const wake = this.#backend.wake!;
    try {
      await this.#deps.send(magicPacket(wake.mac), wake.broadcast, wake.port);
      this.#packets++;
      this.#resolveSent(undefined);
      if (this.#packets > 1) {
        this.#deps.logger.debug("magic packet sent again", {
          backend: this.#backend.name,
          packets: this.#packets,
        });
      }
    } catch (error) {
      const reason = describeError(error);
      this.#deps.logger.warn("cannot send the magic packet", {
        backend: this.#backend.name,
        broadcast: `${wake.broadcast}:${wake.port}`,
        reason,
      });
      this.finish({
        ok: false,
        failure: failure(
          "wake_failed",
          `Cannot wake backend ${this.#backend.name}: sending the magic packet to ${wake.broadcast}:${wake.port} failed (${reason})`,
        ),
      });
    }
  }

  #timedOut(): void {
    const wake = this.#backend.wake!;
    this.#deps.logger.warn("backend did not wake", {
      backend: this.#backend.name,
      timeout_seconds: wake.timeout_seconds,
      packets: this.#packets,
    });
    this.finish({
      ok: false,
      failure: failure(
        "wake_timeout",
        `Backend ${this.#backend.name} is asleep and did not wake within ${wake.timeout_seconds} s ` +
          `(${this.#packets} magic packet${this.#packets === 1 ? "" : "s"} sent to ${wake.mac} ` +
          `via ${wake.broadcast}:${wake.port}); retry shortly, or check Wake-on-LAN on that machine`,
        { retryAfter: RETRY_AFTER_TIMEOUT },
      ),
    });
  }

  #every(ms: number, run: () => void): void {
    const tick = () => {
      if (this.#done) return;
      run();
      this.#timers.push(this.#deps.clock.setTimeout(tick, ms));
    };
    this.#timers.push(this.#deps.clock.setTimeout(tick, ms));
  }
}

function clientGone(): Failure {
  return failure("client_closed", "the client closed the request while its backend was waking");
}
