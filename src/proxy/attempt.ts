/**
 * One attempt at one backend: send, wait for headers (and, for streams, the first chunk) under
 * the first-byte deadline, then either commit — return a Response to the client — or report a
 * failure the caller may fail over from. The attempt owns its AbortController; the backend's
 * pending count is decremented exactly once, whatever happens.
 * @module
 */
import type { Clock } from "../lib/clock.ts";
import { networkErrorReason } from "../lib/network.ts";
import type { Backend, Registry } from "../registry/mod.ts";
import { createPassThrough, type StreamEnd } from "./stream.ts";
import type { ResponseTap } from "./tap.ts";

export type FailureKind = "network" | "status" | "timeout" | "client_closed" | "request_timeout";

export interface AttemptFailure {
  readonly ok: false;
  readonly backend: Backend;
  readonly kind: FailureKind;
  readonly message: string;
  readonly status?: number;
}

export interface AttemptCommit {
  readonly ok: true;
  readonly backend: Backend;
  readonly upstream: Response;
  /** The body to send to the client (bytes for non-stream, a pass-through for streams). */
  readonly body: ReadableStream<Uint8Array> | ArrayBuffer;
  readonly ttfbMs: number;
}

export interface AttemptOptions {
  readonly backend: Backend;
  readonly url: string;
  readonly init: { headers: Headers; body: string };
  readonly stream: boolean;
  readonly fetch: typeof fetch;
  readonly clock: Clock;
  readonly registry: Registry;
  /** Aborts when the client leaves or the whole-request deadline passes. */
  readonly requestSignal: AbortSignal;
  readonly firstByteMs: number;
  readonly idleMs: number;
  readonly keepAliveMs: number;
  readonly onStreamEnd: (end: StreamEnd, detail?: string) => void;
  /** Notes the committed body's chunks and tail (metrics). */
  readonly tap?: ResponseTap;
}

/** Reasons this module aborts with, compared by identity. */
const FIRST_BYTE = { reason: "first_byte" };
const IDLE = { reason: "idle" };

export async function attempt(options: AttemptOptions): Promise<AttemptCommit | AttemptFailure> {
  const { backend, clock, registry } = options;
  const controller = new AbortController();
  const started = clock.monotonic();
  const forwardAbort = () => controller.abort(options.requestSignal.reason);
  options.requestSignal.addEventListener("abort", forwardAbort, { once: true });
  const firstByteTimer = clock.setTimeout(() => controller.abort(FIRST_BYTE), options.firstByteMs);
  backend.pending++;
  backend.requests++;
  let settled = false;
  const settle = (failed: string | undefined) => {
    if (settled) return;
    settled = true;
    backend.pending--;
    clock.clearTimeout(firstByteTimer);
    options.requestSignal.removeEventListener("abort", forwardAbort);
    if (failed !== undefined) {
      backend.errors++;
      backend.last_error = failed;
    }
  };
  const failure = (error: unknown, status?: number): AttemptFailure => {
    const { kind, message } = classify(
      controller.signal,
      options.requestSignal,
      error,
      status,
      options,
    );
    settle(kind === "client_closed" ? undefined : message);
    return { ok: false, backend, kind, message, ...(status === undefined ? {} : { status }) };
  };

  try {
    const upstream = await options.fetch(options.url, {
      method: "POST",
      headers: options.init.headers,
      body: options.init.body,
      signal: controller.signal,
    });
    if (upstream.status >= 500) {
      const detail = await upstream.text().catch(() => "");
      return failure(new Error(`HTTP ${upstream.status}${summarise(detail)}`), upstream.status);
    }
    if (!options.stream || !upstream.ok || !upstream.body) {
      // Non-stream answers are small: reading them whole lets a truncated body fail over too.
      const bytes = await upstream.arrayBuffer();
      const ttfbMs = clock.monotonic() - started;
      if (upstream.ok) registry.recordLatency(backend, ttfbMs);
      settle(undefined);
      return { ok: true, backend, upstream, body: bytes, ttfbMs };
    }
    const reader = upstream.body.getReader();
    const firstRead = reader.read();
    const first = await raceKeepAlive(firstRead, options.keepAliveMs);
    if (first !== KEEP_ALIVE_DUE && first.done) {
      return failure(new Error("the backend closed the stream before sending anything"));
    }
    const ttfbMs = clock.monotonic() - started;
    const committedEarly = first === KEEP_ALIVE_DUE;
    if (!committedEarly) {
      clock.clearTimeout(firstByteTimer);
      registry.recordLatency(backend, ttfbMs);
    }
    const body = createPassThrough({
      reader,
      first: committedEarly ? undefined : first.value,
      ...(committedEarly ? { firstRead } : {}),
      keepAliveMs: options.keepAliveMs,
      idleMs: options.idleMs,
      clock,
      tap: options.tap,
      abort: (reason) => controller.abort(reason === "idle" ? IDLE : options.requestSignal.reason),
      describeFailure: (error) => {
        const { kind, message } = classify(
          controller.signal,
          options.requestSignal,
          error,
          undefined,
          options,
        );
        if (kind === "client_closed") return { end: "client_closed", message };
        const timeout = kind === "timeout" || kind === "request_timeout";
        return {
          end: timeout ? "timeout" : "upstream_error",
          message: `Backend ${backend.name} ${
            timeout ? "timed out" : "failed"
          } mid-stream: ${message}`,
        };
      },
      onFirstByte: () => {
        clock.clearTimeout(firstByteTimer);
        registry.recordLatency(backend, clock.monotonic() - started);
      },
      onEnd: (end, detail) => {
        settle(end === "upstream_error" || end === "timeout" ? detail : undefined);
        options.onStreamEnd(end, detail);
      },
    });
    return { ok: true, backend, upstream, body, ttfbMs };
  } catch (error) {
    return failure(error);
  }
}

const KEEP_ALIVE_DUE = Symbol("keep-alive due");

/** Waits for the first chunk, or until keep-alives must start (0 = never). */
function raceKeepAlive<T>(
  read: Promise<T>,
  keepAliveMs: number,
): Promise<T | typeof KEEP_ALIVE_DUE> {
  if (keepAliveMs <= 0) return read;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const due = new Promise<typeof KEEP_ALIVE_DUE>((
    resolve,
  ) => (timer = setTimeout(() => resolve(KEEP_ALIVE_DUE), keepAliveMs)));
  return Promise.race([read, due]).finally(() => clearTimeout(timer));
}

function classify(
  signal: AbortSignal,
  requestSignal: AbortSignal,
  error: unknown,
  status: number | undefined,
  options: AttemptOptions,
): { kind: FailureKind; message: string } {
  if (status !== undefined) return { kind: "status", message: describe(error) };
  if (signal.aborted) {
    if (signal.reason === FIRST_BYTE) {
      return { kind: "timeout", message: `no response within ${seconds(options.firstByteMs)} s` };
    }
    if (signal.reason === IDLE) {
      return { kind: "timeout", message: `silent for more than ${seconds(options.idleMs)} s` };
    }
    if (requestSignal.aborted && requestSignal.reason === REQUEST_TIMEOUT) {
      return { kind: "request_timeout", message: "the request deadline passed" };
    }
    return { kind: "client_closed", message: "the client closed the connection" };
  }
  return { kind: "network", message: networkErrorReason(error) };
}

/** Abort reason for the whole-request deadline (set by the forwarder). */
export const REQUEST_TIMEOUT = { reason: "request_timeout" };

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function summarise(body: string): string {
  const text = body.trim().replace(/\s+/g, " ");
  return text ? `: ${text.length > 200 ? text.slice(0, 200) + "…" : text}` : "";
}

function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}
