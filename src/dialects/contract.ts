/**
 * What a front door plugs into the exchange pipeline (docs/architecture.md, "Where things go"):
 * an `Endpoint` per route — how to parse its request, how to call one backend for it — and the
 * `Dialect` its clients speak, which renders errors, in-stream errors and keep-alives.
 *
 * Passthrough is the absence of a translation: the backend speaks the client's dialect on that
 * path and its bytes reach the client untouched. A translation maps the backend's answer (OpenAI
 * chat, or another dialect) back into the client's, one event at a time.
 * @module
 */
import type { Failure } from "../lib/failures.ts";
import type { Backend } from "../registry/mod.ts";
import type { RouteRequirements } from "../routing/mod.ts";

export type DialectName = "openai" | "anthropic" | "ollama";

/** The metric `endpoint` label: one value per route family (REFERENCE.md Part C). */
export type EndpointName =
  | "chat"
  | "embeddings"
  | "completions"
  | "responses"
  | "messages"
  | "count_tokens"
  | "ollama_chat"
  | "ollama_generate"
  | "ollama_embed";

/** The last two bytes a passthrough stream sent, to finish a half-written frame first. */
export interface StreamTail {
  readonly last: number;
  readonly beforeLast: number;
}

export interface Dialect {
  readonly name: DialectName;
  /** A failure as this dialect's error response, with `headers` (request id …) added. */
  errorResponse(failure: Failure, headers: Headers): Response;
  /** Content type of this dialect's streams, for a stream committed before its first byte. */
  readonly streamContentType: string;
  /**
   * Bytes that keep a quiet stream open without changing what the client reads; `note` (e.g.
   * `queued position=3`) is shown where the dialect's keep-alive form can carry text.
   */
  keepAlive(model: string, note?: string): Uint8Array;
  /** The final in-stream error of a passthrough stream, after the `tail` already sent. */
  inStreamError(failure: Failure, tail: StreamTail): string;
}

/** What the router and the proxy need from a parsed request, whatever its dialect. */
export interface ParsedRequest {
  /** The model the client asked for. */
  readonly model: string;
  readonly stream: boolean;
  readonly requirements: RouteRequirements;
  /** The body as parsed once. */
  readonly body: Record<string, unknown>;
  /** The body as received: forwarded as it is whenever nothing needs rewriting. */
  readonly text: string;
}

/** One candidate: the backend, and the model name it should receive. */
export interface PlanTarget {
  readonly backend: Backend;
  readonly model: string;
}

/** How to call one backend for one request. */
export interface UpstreamPlan {
  /** Appended to the backend's base URL, e.g. `/v1/chat/completions`. */
  readonly path: string;
  /**
   * `POST` unless said otherwise; a `GET` (sent without a body) answers a request that needs no
   * inference from a server that cannot do what it asks (Ollama's load/unload form).
   */
  readonly method?: "GET";
  readonly body: string;
  /** Whether the upstream answer is a stream. */
  readonly stream: boolean;
  /** The dialect the backend answers in on this path (usage accounting reads it). */
  readonly upstream: DialectName;
  /** Extra request headers for this path (e.g. `anthropic-version` for a native backend). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Headers the client's committed answer carries (`X-Nexus-Warning`, `X-Nexus-Token-Count`). */
  readonly responseHeaders?: Readonly<Record<string, string>>;
  /** How to turn the answer into the client's dialect; absent means passthrough. */
  readonly translation?: Translation;
}

export interface Translation {
  /** Upstream stream framing: SSE events, or newline-delimited JSON (Ollama). */
  readonly framing: "sse" | "ndjson";
  /** A successful non-stream answer, parsed, as the client's body; a Failure if unusable. */
  whole(json: unknown): TranslatedBody | Failure;
  /** The backend refused the request (4xx): its message, for the client's dialect. */
  rejection(status: number, body: string): Failure;
  /** A fresh translator for one streamed answer. */
  stream(): StreamTranslator;
}

export interface TranslatedBody {
  readonly contentType: string;
  readonly text: string;
}

/** An answer Nexus gives for a candidate without calling it (a token count it can estimate). */
export interface LocalAnswer extends TranslatedBody {
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Maps one upstream stream to the client's, event by event. Pure state machine: it sees the
 * upstream event payloads (SSE `data`, or NDJSON lines) and returns the text to send, possibly
 * empty. Exactly one of `end` or `fail` is called last.
 */
export interface StreamTranslator {
  readonly contentType: string;
  event(data: string): string;
  end(): string;
  fail(failure: Failure): string;
}

/** One route of a front door, as the exchange pipeline runs it. */
export interface Endpoint {
  readonly name: EndpointName;
  readonly dialect: Dialect;
  /** The request as the router needs it, or why it is invalid. */
  parse(body: Record<string, unknown>, text: string): ParsedRequest | Failure;
  /**
   * Why `target` cannot take `request` at all (a translation that cannot carry one of its
   * fields); undefined when it can. A refused candidate is skipped without an attempt, and the
   * client hears the refusal only when no other candidate answered.
   */
  refusal?(request: ParsedRequest, target: PlanTarget): Failure | undefined;
  /**
   * The answer for `target` when Nexus can give it without a backend call (undefined: call it).
   * Asked for the router's first candidate only, before any refusal and before it takes a slot.
   */
  answer?(request: ParsedRequest, target: PlanTarget): LocalAnswer | undefined;
  /** How to call `target` for `request` (one not refused). */
  plan(request: ParsedRequest, target: PlanTarget): UpstreamPlan;
}

/** `Retry-After` and a failure's own headers (`Allow` …), as every dialect sends them. */
export function setFailureHeaders(failure: Failure, headers: Headers): void {
  if (failure.retryAfter !== undefined) headers.set("retry-after", failure.retryAfter);
  if (failure.headers === undefined) return;
  for (const [name, value] of Object.entries(failure.headers)) headers.set(name, value);
}
