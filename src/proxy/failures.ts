/**
 * Why an attempt at a backend failed, in words a person can act on. The attempt aborts its
 * request with one of the reasons below; `classify` turns the abort reason (or the error fetch
 * threw) into a failure kind and a short message.
 * @module
 */
import { type Failure, failure } from "../lib/failures.ts";
import { readTextPrefix } from "../lib/limits.ts";
import { SelfLoopError } from "../lib/loop.ts";
import { clientCredentials, Redactor } from "../lib/secrets.ts";
import type { RequestEnd } from "./request-scope.ts";
import { networkErrorReason } from "../lib/network.ts";
import type { StreamEnd } from "./relay.ts";
import type { TcpProbeResult } from "../runtime/mod.ts";
import type { Backend } from "../registry/mod.ts";
import type { AttemptFailure } from "./attempt-types.ts";

/** Why one attempt failed, as the forwarder sees it (the client-facing kinds: lib/failures.ts). */
export type AttemptFailureKind =
  | "shutdown"
  | "network"
  | "status"
  | "invalid_response"
  | "timeout"
  | "client_closed"
  | "request_timeout"
  | "loop";

/** Abort reasons, compared by identity or class. */
export const FIRST_BYTE = { reason: "first_byte" };
export const IDLE = { reason: "idle" };
/** Abort reason for the whole-request deadline (set by the forwarder). */
export const REQUEST_TIMEOUT = { reason: "request_timeout" };
/** Abort reason for requests still running when the shutdown drain deadline passes. */
export const SHUTDOWN = { reason: "shutdown" };

/** The connect watchdog found nothing listening, or nothing reachable, at the backend. */
export class ConnectFailure {
  constructor(readonly result: Exclude<TcpProbeResult, "open">) {}
}

/** The backend answered, but with something that is not a usable answer. */
export class InvalidResponse extends Error {}

/** The answer is larger than `server.max_response_bytes`; the upstream has been cancelled. */
export class TooLarge extends InvalidResponse {
  constructor(readonly limit: number) {
    super(`the answer is larger than the limit of ${limit} bytes (server.max_response_bytes)`);
  }
}

/** Bytes of a backend's error body read for a message; the rest is never read. */
export const ERROR_BODY_BYTES = 64 * 1024;

export interface Deadlines {
  readonly firstByteMs: number;
  readonly idleMs: number;
  readonly connectMs: number;
}

export function classify(
  signal: AbortSignal,
  requestSignal: RequestEnd,
  error: unknown,
  status: number | undefined,
  deadlines: Deadlines,
): { kind: AttemptFailureKind; message: string } {
  if (error instanceof InvalidResponse) return { kind: "invalid_response", message: error.message };
  if (error instanceof SelfLoopError) return { kind: "loop", message: error.message };
  if (status !== undefined) return { kind: "status", message: describe(error) };
  if (!signal.aborted) return { kind: "network", message: networkErrorReason(error) };
  const reason: unknown = signal.reason;
  if (reason === FIRST_BYTE) {
    return { kind: "timeout", message: `no response within ${seconds(deadlines.firstByteMs)} s` };
  }
  if (reason === IDLE) {
    return { kind: "timeout", message: `silent for more than ${seconds(deadlines.idleMs)} s` };
  }
  if (reason instanceof ConnectFailure) {
    if (reason.result === "timeout") {
      return {
        kind: "timeout",
        message: `could not connect within ${seconds(deadlines.connectMs)} s`,
      };
    }
    return {
      kind: "network",
      message: reason.result === "refused" ? "connection refused" : "host unreachable",
    };
  }
  if (requestSignal.aborted && requestSignal.reason === SHUTDOWN) {
    return { kind: "shutdown", message: "Nexus is shutting down" };
  }
  if (requestSignal.aborted && requestSignal.reason === REQUEST_TIMEOUT) {
    return { kind: "request_timeout", message: "the request deadline passed" };
  }
  return { kind: "client_closed", message: "the client closed the connection" };
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function isRedirect(status: number): boolean {
  return status >= 300 && status < 400;
}

/**
 * `HTTP 500: <the start of its body>`, secrets removed: for messages, logs and last_error.
 * `redactor` is asked for only when there is a body to redact (it is built per error).
 */
export async function upstreamErrorText(
  upstream: Response,
  redactor: () => Redactor,
): Promise<string> {
  if (isRedirect(upstream.status)) {
    upstream.body?.cancel().catch(() => {});
    return redirectMessage(upstream.status);
  }
  const detail = await readTextPrefix(upstream, ERROR_BODY_BYTES);
  return `HTTP ${upstream.status}${summarise(redactor().redact(detail))}`;
}

/**
 * A failure after the commit, as `classify` named it: how the stream ends, and what the client is
 * told in the stream (nothing when the client itself left).
 */
export function streamFailure(
  kind: AttemptFailureKind,
  message: string,
  backend: string,
): { end: StreamEnd; failure?: Failure } {
  if (kind === "client_closed") return { end: "client_closed" };
  if (kind === "shutdown") return { end: "shutdown", failure: failure("shutting_down", message) };
  if (kind === "timeout" || kind === "request_timeout") {
    const text = `Backend ${backend} timed out: ${message}`;
    return { end: "timeout", failure: failure("upstream_timeout", text) };
  }
  const text = `Backend ${backend} failed: ${message}`;
  return { end: "upstream_error", failure: failure("upstream_failed", text) };
}

/** What a 3xx means here: Nexus never follows a backend's redirect. */
export function redirectMessage(status: number): string {
  return `HTTP ${status}, a redirect (Nexus does not follow redirects from backends)`;
}

/** A backend's error body, shortened for a message. */
export function summarise(body: string): string {
  const text = body.trim().replace(/\s+/g, " ");
  return text ? `: ${text.length > 200 ? text.slice(0, 200) + "…" : text}` : "";
}

function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

const NO_SECRETS = new Redactor([]);

/** The configured secrets (none: `undefined`) and the client's own credentials. */
export function requestRedactor(
  configured: Redactor | undefined,
  clientHeaders: Headers | undefined,
): Redactor {
  const secrets = configured ?? NO_SECRETS;
  return clientHeaders === undefined ? secrets : secrets.with(clientCredentials(clientHeaders));
}

/** An attempt's failure as the forwarder keeps it (status and Retry-After only when given). */
export function attemptFailure(
  backend: Backend,
  kind: AttemptFailureKind,
  message: string,
  status: number | undefined,
  retryAfter: string | null | undefined,
): AttemptFailure {
  return {
    ok: false,
    backend,
    kind,
    message,
    ...(status === undefined ? {} : { status }),
    ...(retryAfter ? { retryAfter } : {}),
  };
}
