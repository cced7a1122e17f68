/**
 * Probe requests: one GET or POST under the probe's deadline, turned into a value (a status and
 * a body, or a short reason), never an exception.
 * @module
 */
import { describeError } from "../lib/errors.ts";
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
  const headers = new Headers({ accept: "application/json" });
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
    // The dropped promise may still reject (fetch does, once aborted): unhandled, that would
    // end a Deno process.
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** Runtime error texts (Bun: `code: "ECONNREFUSED"`; Deno: `cause` "Connection refused (os error 111)"). */
const NETWORK_REASONS: ReadonlyArray<readonly [RegExp, string]> = [
  [/ECONNREFUSED|ConnectionRefused|connection refused/i, "connection refused"],
  [/ENOTFOUND|EAI_AGAIN|dns error|failed to lookup|getaddrinfo/i, "host not found"],
  [/ECONNRESET|ConnectionReset|connection reset|socket hang up/i, "connection reset"],
  [/EHOSTUNREACH|ENETUNREACH|unreachable/i, "host unreachable"],
];

/** `connection refused`, `host not found` …, else the error's own message. */
export function describeNetworkError(error: unknown): string {
  try {
    const detail = errorText(error) + " " + errorText(error instanceof Error ? error.cause : "");
    for (const [pattern, reason] of NETWORK_REASONS) if (pattern.test(detail)) return reason;
    return describeError(error) || "network error";
  } catch {
    return "network error"; // a thrown value that cannot even be turned into a string
  }
}

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? `${code} ${error.message}` : error.message;
}
