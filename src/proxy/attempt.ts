/**
 * One attempt at one backend: send, wait for headers (and, for streams, the first chunk) under
 * the first-byte deadline, then either commit — return a Response to the client — or report a
 * failure the caller may fail over from. The attempt owns its AbortController; the backend's
 * pending count is decremented exactly once, whatever happens.
 * @module
 */
import type { Clock } from "../lib/clock.ts";
import type { Backend, Registry } from "../registry/mod.ts";
import type { TcpProbeResult } from "../runtime/mod.ts";
import {
  classify,
  ConnectFailure,
  describe,
  type FailureKind,
  FIRST_BYTE,
  IDLE,
  InvalidResponse,
  summarise,
} from "./failures.ts";
import { createPassThrough, type FirstChunk, type StreamEnd } from "./stream.ts";
import type { ResponseTap } from "./tap.ts";

export { type FailureKind, REQUEST_TIMEOUT } from "./failures.ts";

export interface AttemptFailure {
  readonly ok: false;
  readonly backend: Backend;
  readonly kind: FailureKind;
  readonly message: string;
  readonly status?: number;
  /** The backend's Retry-After, when it sent one with a 5xx. */
  readonly retryAfter?: string;
}

export interface AttemptCommit {
  readonly ok: true;
  readonly backend: Backend;
  /** Status for the client: the backend's, or 200 for a stream committed before its headers. */
  readonly status: number;
  readonly contentType: string | null;
  readonly retryAfter: string | null;
  /** The body to send to the client (bytes for non-stream, a pass-through for streams). */
  readonly body: ReadableStream<Uint8Array> | ArrayBuffer;
  /** Time to the first byte; undefined while (or if never) a stream committed early has one. */
  readonly ttfbMs: number | undefined;
  /** The parsed non-stream JSON body (already validated), for usage accounting. */
  readonly json?: unknown;
}

export interface AttemptOptions {
  readonly backend: Backend;
  readonly url: string;
  readonly init: { headers: Headers; body: string };
  readonly stream: boolean;
  readonly fetch: (input: string, init: RequestInit) => Promise<Response>;
  readonly clock: Clock;
  readonly registry: Registry;
  /** Aborts when the client leaves or the whole-request deadline passes. */
  readonly requestSignal: AbortSignal;
  readonly firstByteMs: number;
  readonly idleMs: number;
  readonly keepAliveMs: number;
  /** After this long without headers, probe the backend's port once (see watchConnect). */
  readonly connectMs: number;
  readonly tcpProbe?: (host: string, port: number, timeoutMs: number) => Promise<TcpProbeResult>;
  readonly onStreamEnd: (end: StreamEnd, detail?: string) => void;
  /** Notes the committed stream's events and tail (metrics). */
  readonly tap?: ResponseTap;
}

const decoder = new TextDecoder();

export async function attempt(options: AttemptOptions): Promise<AttemptCommit | AttemptFailure> {
  const { backend, clock, registry } = options;
  const controller = new AbortController();
  const started = clock.monotonic();
  const forwardAbort = () => controller.abort(options.requestSignal.reason);
  // The client may have left (or a deadline passed) while an earlier candidate was failing.
  if (options.requestSignal.aborted) forwardAbort();
  else options.requestSignal.addEventListener("abort", forwardAbort, { once: true });
  const firstByteTimer = clock.setTimeout(() => controller.abort(FIRST_BYTE), options.firstByteMs);
  let headersArrived = false;
  /** Set when a stream committed before its first chunk finally gets it. */
  let firstByteMs: number | undefined;
  // Fetch cannot tell "still connecting" from "connected, model thinking". When no headers have
  // come after the connect deadline, one raw TCP probe tells them apart: a dead host fails over
  // now, a live one (say, loading a model) keeps its first-byte deadline. Fast requests pay nothing.
  const watchConnect = async () => {
    const { hostname, port } = hostAndPort(backend.url);
    const result = await options.tcpProbe!(hostname, port, options.connectMs);
    if (!headersArrived && !controller.signal.aborted && result !== "open") {
      controller.abort(new ConnectFailure(result));
    }
  };
  const connectTimer = options.tcpProbe
    ? clock.setTimeout(() => void watchConnect(), options.connectMs)
    : undefined;
  backend.pending++;
  backend.requests++;
  let settled = false;
  const settle = (failed: string | undefined) => {
    if (settled) return;
    settled = true;
    backend.pending--;
    clock.clearTimeout(firstByteTimer);
    if (connectTimer !== undefined) clock.clearTimeout(connectTimer);
    options.requestSignal.removeEventListener("abort", forwardAbort);
    if (failed !== undefined) {
      backend.errors++;
      backend.last_error = failed;
    }
  };
  const failure = (error: unknown, status?: number, retryAfter?: string | null): AttemptFailure => {
    const { kind, message } = classify(
      controller.signal,
      options.requestSignal,
      error,
      status,
      options,
    );
    settle(kind === "client_closed" ? undefined : message);
    return {
      ok: false,
      backend,
      kind,
      message,
      ...(status === undefined ? {} : { status }),
      ...(retryAfter ? { retryAfter } : {}),
    };
  };

  const send = async () => {
    const upstream = await options.fetch(options.url, {
      method: "POST",
      headers: options.init.headers,
      body: options.init.body,
      signal: controller.signal,
    });
    headersArrived = true;
    if (connectTimer !== undefined) clock.clearTimeout(connectTimer);
    return upstream;
  };
  const commitWhole = async (upstream: Response): Promise<AttemptCommit | AttemptFailure> => {
    // Non-stream answers are small: reading them whole lets a truncated body fail over too.
    const bytes = await upstream.arrayBuffer();
    const ttfbMs = clock.monotonic() - started;
    let json: unknown;
    if (upstream.ok && upstream.headers.get("content-type")?.includes("json")) {
      // A 200 whose JSON does not parse is a broken backend, not an answer: fail over.
      try {
        json = JSON.parse(decoder.decode(bytes));
      } catch {
        return failure(new InvalidResponse("the response body is not valid JSON"));
      }
    }
    if (upstream.ok) registry.recordLatency(backend, ttfbMs);
    settle(undefined);
    return {
      ok: true,
      backend,
      status: upstream.status,
      contentType: upstream.headers.get("content-type"),
      retryAfter: upstream.headers.get("retry-after"),
      body: bytes,
      ttfbMs,
      ...(json === undefined ? {} : { json }),
    };
  };

  try {
    if (options.stream) return await attemptStream();
    const upstream = await send();
    if (upstream.status >= 500) return failure(...await serverError(upstream));
    return await commitWhole(upstream);
  } catch (error) {
    return failure(error);
  }

  /** Sends, then waits for headers and the first chunk: what decides whether this backend works. */
  async function open(): Promise<Opened> {
    try {
      const upstream = await send();
      if (upstream.status >= 500) return { kind: "failed", failure: await serverError(upstream) };
      if (!upstream.ok || !upstream.body) return { kind: "whole", upstream };
      const reader = upstream.body.getReader();
      const first = await reader.read();
      if (first.done) {
        return {
          kind: "failed",
          failure: [new Error("the backend closed the stream before sending anything")],
        };
      }
      return { kind: "stream", upstream, chunk: { ok: true, reader, first: first.value } };
    } catch (error) {
      return { kind: "failed", failure: [error] };
    }
  }

  async function attemptStream(): Promise<AttemptCommit | AttemptFailure> {
    const opening = open();
    const opened = await raceKeepAlive(opening, options.keepAliveMs);
    if (opened !== KEEP_ALIVE_DUE) {
      // Nothing has reached the client yet: a failure here can still fail over.
      if (opened.kind === "failed") return failure(...opened.failure);
      if (opened.kind === "whole") return await commitWhole(opened.upstream);
      clock.clearTimeout(firstByteTimer);
      const ttfbMs = clock.monotonic() - started;
      registry.recordLatency(backend, ttfbMs);
      return {
        ok: true,
        backend,
        status: opened.upstream.status,
        contentType: opened.upstream.headers.get("content-type"),
        retryAfter: null,
        body: tap(opened.chunk),
        ttfbMs,
      };
    }
    // The first token is slow (a model loading): commit now and keep the connection alive.
    // From here a failure can only be reported inside the stream.
    const firstChunk = opening.then(async (result): Promise<FirstChunk> => {
      if (result.kind === "stream") return result.chunk;
      if (result.kind === "failed") return { ok: false, error: result.failure[0] };
      const text = await result.upstream.text().catch(() => "");
      return { ok: false, error: new Error(`HTTP ${result.upstream.status}${summarise(text)}`) };
    });
    return {
      ok: true,
      backend,
      status: 200,
      contentType: "text/event-stream",
      retryAfter: null,
      body: tap(firstChunk),
      // The first token comes later than this commit: report it once it has arrived.
      get ttfbMs() {
        return firstByteMs;
      },
    };
  }

  function tap(
    start: Extract<FirstChunk, { ok: true }> | Promise<FirstChunk>,
  ): ReadableStream<Uint8Array> {
    return createPassThrough({
      start,
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
        if (kind === "shutdown") return { end: "shutdown", message };
        const timeout = kind === "timeout" || kind === "request_timeout";
        return {
          end: timeout ? "timeout" : "upstream_error",
          message: `Backend ${backend.name} ${timeout ? "timed out" : "failed"}: ${message}`,
        };
      },
      onFirstByte: () => {
        clock.clearTimeout(firstByteTimer);
        firstByteMs = clock.monotonic() - started;
        registry.recordLatency(backend, firstByteMs);
      },
      onEnd: (end, detail) => {
        settle(end === "upstream_error" || end === "timeout" ? detail ?? describe(end) : undefined);
        options.onStreamEnd(end, detail);
      },
    });
  }
}

type Opened =
  | {
    readonly kind: "stream";
    readonly upstream: Response;
    readonly chunk: Extract<FirstChunk, { ok: true }>;
  }
  | { readonly kind: "whole"; readonly upstream: Response }
  | { readonly kind: "failed"; readonly failure: [unknown, number?, (string | null)?] };

/** A 5xx before the first byte: its status, a short body and Retry-After, for the failure. */
async function serverError(upstream: Response): Promise<[Error, number, string | null]> {
  const detail = await upstream.text().catch(() => "");
  return [
    new Error(`HTTP ${upstream.status}${summarise(detail)}`),
    upstream.status,
    upstream.headers.get("retry-after"),
  ];
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

function hostAndPort(url: string): { hostname: string; port: number } {
  const parsed = new URL(url);
  const port = parsed.port ? Number(parsed.port) : parsed.protocol === "https:" ? 443 : 80;
  return { hostname: parsed.hostname.replace(/^\[|\]$/g, ""), port };
}
