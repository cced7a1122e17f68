/**
 * Probe requests: one GET or POST under the probe's deadline, turned into a value (a status and
 * a body, or a short reason), never an exception. Every probe request says `Connection: close`:
 * servers with a small fixed pool of HTTP threads (llama-server: 3 on a 4-core box) give each
 * open connection a thread, so a probe connection left idle would keep one from real clients.
 * The probe fetch of the runtime adapter also never pools; the header tells the server as well.
 * @module
 */
import { networkErrorReason } from "../lib/network.ts";
import type { ProbeContext } from "./types.ts";

export type HttpContext = Pick<ProbeContext, "baseUrl" | "fetch" | "signal" | "apiKey">;

export const TIMED_OUT = "timed out";

export interface RequestOptions {
  readonly method?: "GET" | "POST";
  /** Sent as a JSON body. */
  readonly json?: unknown;
}

export type TextReply =
  | { readonly ok: true; readonly status: number; readonly text: string }
  | { readonly ok: false; readonly reason: string };

export type JsonReply<T> =
  | { readonly ok: true; readonly value: T }
  | {
    readonly ok: false;
    readonly reason: string;
    /** Set when the server answered, with its body: some non-2xx answers carry meaning. */
    readonly status?: number;
    readonly text?: string;
  };

/** Fetches `path` and reads the whole body, whatever the status. */
export async function requestText(
  context: HttpContext,
  path: string,
  options: RequestOptions = {},
): Promise<TextReply> {
  const { signal } = context;
  const headers = new Headers({ accept: "application/json", connection: "close" });
  if (context.apiKey) headers.set("authorization", `Bearer ${context.apiKey}`);
  const init: RequestInit = { method: options.method ?? "GET", headers, signal };
  if (options.json !== undefined) {
    headers.set("content-type", "application/json");
    init.body = JSON.stringify(options.json);
  }
  try {
    const url = context.baseUrl.replace(/\/+$/, "") + path;
    const response = await untilAborted(context.fetch(url, init), signal);
    const text = await untilAborted(response.text(), signal);
    return { ok: true, status: response.status, text };
  } catch (error) {
    return { ok: false, reason: signal.aborted ? TIMED_OUT : describeNetworkError(error) };
  }
}

/**
 * Fetches `path` and parses a 2xx JSON body with `parse`, which returns `undefined` for a shape
 * it does not accept.
 */
export async function requestJson<T>(
  context: HttpContext,
  path: string,
  parse: (json: unknown) => T | undefined,
  options?: RequestOptions,
): Promise<JsonReply<T>> {
  const reply = await requestText(context, path, options);
  if (!reply.ok) return reply;
  const { status, text } = reply;
  if (status < 200 || status > 299) {
    return { ok: false, reason: `HTTP ${status} from ${path}`, status, text };
  }
  let value: T | undefined;
  try {
    value = parse(JSON.parse(text));
  } catch {
    value = undefined;
  }
  return value === undefined
    ? { ok: false, reason: `invalid JSON from ${path}` }
    : { ok: true, value };
}

/**
 * Settles with `promise`, or rejects as soon as `signal` aborts: a fetch or body read that
 * ignores its signal (a fake, or a runtime bug) still cannot outlive the probe's deadline.
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    // The request was already started: its own rejection must not go unhandled (a runtime may
    // treat an unhandled rejection as fatal).
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** `connection refused`, `host not found` …, else the error's own message (one wording, lib/network.ts). */
export const describeNetworkError = networkErrorReason;
