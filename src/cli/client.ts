/**
 * Talks to a running Nexus for the `backends`, `models` and `health` commands. Every failure
 * becomes one sentence: the server could not be reached, or what it said was wrong.
 * @module
 */
import { NexusError } from "../lib/errors.ts";
import { INSTANCE_HEADER } from "../lib/loop.ts";
import { networkErrorReason } from "../lib/network.ts";
import { isHttpUrl, redactGivenUrl, redactUrl } from "../lib/urls.ts";

export const DEFAULT_NEXUS_URL = "http://127.0.0.1:8000";
const TIMEOUT_MS = 10_000;

/** The server to talk to: `--url` (already checked by the command table), else NEXUS_URL. */
export function nexusUrl(
  flag: string | boolean | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const url = (typeof flag === "string" ? flag : undefined) ?? (env.NEXUS_URL || DEFAULT_NEXUS_URL);
  if (!isHttpUrl(url)) {
    const source = typeof flag === "string" ? "--url" : "NEXUS_URL";
    throw new NexusError(
      "E_USAGE_URL",
      `Invalid ${source} "${redactGivenUrl(url)}": expected an http:// or https:// URL`,
    );
  }
  // As the URL parser reads it: `http:/user:pw@host` works as `http://user:pw@host`, and only
  // the second is a URL redactUrl finds the password in when a message quotes it.
  return new URL(url).href.replace(/\/+$/, "");
}

/**
 * The address a local client reaches a server listening on `host:port` at: loopback for a
 * wildcard bind (`0.0.0.0`, `::`), brackets around an IPv6 literal.
 */
export function listenerUrl(host: string, port: number): string {
  const reachable = host === "0.0.0.0" || host === "" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return `http://${reachable.includes(":") ? `[${reachable}]` : reachable}:${port}`;
}

export interface CallOptions {
  readonly method?: string;
  readonly body?: unknown;
  readonly token?: string | undefined;
  /** How long to wait for the answer. @default 10 s */
  readonly timeoutMs?: number;
}

/** Calls the server and returns status and parsed JSON body; throws only when it is unreachable. */
export async function callNexus(
  base: string,
  path: string,
  options: CallOptions = {},
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let response: Response;
  try {
    response = await fetch(base + path, {
      method: options.method ?? "GET",
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      signal: AbortSignal.timeout(options.timeoutMs ?? TIMEOUT_MS),
    });
  } catch (error) {
    throw new NexusError(
      "E_UNREACHABLE",
      `Cannot reach Nexus at ${redactUrl(base)}: ${unreachableReason(error)}`,
    );
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    if (!isNexusAnswer(response)) throw notNexus(base, path, response.status);
    throw new NexusError(
      "E_BAD_RESPONSE",
      `Nexus at ${
        redactUrl(base)
      } answered ${path} with something that is not JSON (HTTP ${response.status})`,
    );
  }
  // Another server (Ollama, vLLM, a web server) answers too: read as Nexus's, its answers gave
  // "Cannot destructure property 'backends' …" and the like.
  if (!isNexusAnswer(response) && !hasNexusShape(path, response.status, body)) {
    throw notNexus(base, path, response.status);
  }
  return { status: response.status, body };
}

/** Every answer Nexus sends carries its instance id (src/lib/connection.ts); no other server's. */
export function isNexusAnswer(response: Response): boolean {
  return response.headers.has(INSTANCE_HEADER);
}

type Shape = (body: Record<string, unknown>) => boolean;
const listOf = (item: Shape): Shape => (body) =>
  Array.isArray(body.data) && body.data.every((entry) => isObject(entry) && item(entry));
/** What Nexus answers on the paths other servers serve too (`/health`, `/v1/models`). */
const NEXUS_SHAPES: Readonly<Record<string, Shape>> = {
  "/health": (body) => typeof body.status === "string" && typeof body.uptime_seconds === "number",
  "/v1/models": listOf((model) => Array.isArray(model.backends)),
  "/v1/backends": listOf((backend) =>
    typeof backend.name === "string" && typeof backend.status === "string"
  ),
};

/**
 * Whether an answer without Nexus's instance id (a server before 0.2 sent none) is still
 * Nexus's: a refusal in the OpenAI envelope, or a success in the shape Nexus gives that path.
 */
export function hasNexusShape(path: string, status: number, body: unknown): boolean {
  if (!isObject(body)) return false;
  if (status < 200 || status > 299) return isObject(body.error);
  return NEXUS_SHAPES[path]?.(body) ?? true;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Why the server at `base` is taken for another: it answered without Nexus's instance id. */
export function notNexusReason(base: string, path: string, status: number): string {
  return `the server at ${
    redactUrl(base)
  } is not Nexus (it answered ${path} with HTTP ${status}, without Nexus's X-Nexus-Instance header)`;
}

function notNexus(base: string, path: string, status: number): NexusError {
  const reason = notNexusReason(base, path, status);
  return new NexusError(
    "E_NOT_NEXUS",
    `${reason[0]!.toUpperCase()}${
      reason.slice(1)
    }: give --url (or NEXUS_URL) the address Nexus listens on`,
  );
}

/** The OpenAI envelope's message, for a non-2xx answer. */
export function errorMessage(body: unknown, status: number): string {
  const message = (body as { error?: { message?: unknown } } | undefined)?.error?.message;
  return typeof message === "string" ? message : `HTTP ${status}`;
}

function unreachableReason(error: unknown): string {
  if ((error as Error | null)?.name === "TimeoutError") {
    return `no answer within ${TIMEOUT_MS / 1000} s`;
  }
  return networkErrorReason(error);
}
