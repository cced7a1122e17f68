/**
 * Public types of the mock upstream (re-exported by `tests/mock/mod.ts`).
 * @module
 */

/** Which server the mock imitates; `"openai"` is a generic OpenAI-compatible server (and exo). */
export type MockFlavor = "ollama" | "vllm" | "llamacpp" | "lmstudio" | "openai";

export interface MockModel {
  id: string;
  /** Context window in tokens. @default 8192 */
  context_length?: number;
  /**
   * Ollama-style: "completion", "tools", "vision", "embedding", "thinking" (its chat answers
   * start with reasoning, asked or not). @default ["completion"]
   */
  capabilities?: string[];
  /** Ollama digest. @default a stable hash of the id */
  digest?: string;
  /** Loaded in memory (Ollama /api/ps, LM Studio state). @default true */
  loaded?: boolean;
  /** LM Studio model type. @default from capabilities: vision → vlm, embedding → embeddings */
  type?: "llm" | "vlm" | "embeddings";
}

export interface MockOptions {
  /** @default "openai" */
  flavor?: MockFlavor;
  /** @default [{ id: "mock-model" }] */
  models?: MockModel[];
  /** Non-stream chat and embeddings: delay before the response. @default 0 */
  latencyMs?: number;
  /** Stream: delay between the response headers and the first chunk. @default 0 */
  ttftMs?: number;
  /** Stream: content chunks. @default 5 */
  chunks?: number;
  /** Stream: gap between content chunks. @default 0 */
  chunkGapMs?: number;
  /** Reply text, split into `chunks` pieces for streams. @default DEFAULT_REPLY (~1 KB) */
  text?: string;
  /** Chat tool calls: the arguments the mock calls its tool with. @default TOOL_ARGUMENTS */
  toolArguments?: string;
  /** Chat stream tool calls: argument deltas (sent `chunkGapMs` apart). @default 3 */
  toolChunks?: number;
  /**
   * Streams for this model stall for `stallMs` after their first content event (a backend stuck
   * on one request while it serves others: the benchmark's head-of-line row).
   */
  stallModel?: string;
  /** @default 10000 */
  stallMs?: number;
  /** When set, /v1/* requires `Authorization: Bearer <apiKey>` (401 OpenAI envelope otherwise). */
  apiKey?: string;
  /**
   * Serves `POST /v1/responses` natively (tests/mock/responses.ts), as Ollama ≥ 0.13.3, recent
   * vLLM and LM Studio do; otherwise that path is the flavor's own 404. @default false
   */
  responses?: boolean;
  /** Ollama: /api/show has no "capabilities" key, like servers before 0.6. @default false */
  ollamaNoCapabilities?: boolean;
  /**
   * Serves Anthropic's `POST /v1/messages` natively (tests/mock/anthropic.ts), as Ollama ≥ 0.14,
   * LM Studio ≥ 0.4.1, llama.cpp and vLLM do; otherwise that path is the flavor's own 404.
   * @default false
   */
  anthropic?: boolean;
  /** A request for a model with `loaded: false` first loads it for this long. @default 0 */
  coldLoadMs?: number;
  /** Models loaded at once; loading another evicts the least recently used. @default unlimited */
  maxLoadedModels?: number;
  /** llama.cpp: router mode (many models, `GET /models` with status, load/unload). @default false */
  router?: boolean;
}

/**
 * Restricts a fault to some paths. Without `paths` a fault hits `POST /v1/chat/completions`
 * only (so health probes keep working) and `loading` hits every path.
 */
export interface FaultScope {
  paths?: readonly string[];
}

export type MockFault =
  & (
    | { kind: "none" }
    /** Answers with this status; no body unless `body` is given. */
    | { kind: "status"; status: number; body?: string; headers?: Record<string, string> }
    /** Never answers until the client aborts. */
    | { kind: "hang-before-headers" }
    /** Sends `afterChunks` SSE events (non-stream: half the body), then goes silent. */
    | { kind: "hang-mid-stream"; afterChunks: number }
    /** Sends `afterChunks` SSE events (non-stream: half the body), then cuts the connection. */
    | { kind: "close-mid-stream"; afterChunks: number }
    /** 200 with a truncated JSON body (streams: SSE events carrying broken JSON). */
    | { kind: "malformed-json" }
    /** 200 text/event-stream with garbage lines and no `[DONE]`. */
    | { kind: "invalid-sse" }
    /** Delays the response headers by `ms`. */
    | { kind: "slow-first-byte"; ms: number }
    /** Every `every`-th request in scope fails with `status` (counted from setFault). */
    | { kind: "flaky"; every: number; status: number }
    /** llama-server while it loads a model: 503 "Loading model" on every path. */
    | { kind: "loading" }
  )
  & FaultScope;

/** Timestamps are `performance.timeOrigin + performance.now()` ms (comparable across processes). */
export interface RecordedRequest {
  method: string;
  path: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  bodyText: string;
  /** `bodyText` parsed as JSON, or undefined when it is empty or not JSON. */
  body: unknown;
  receivedAt: number;
  /** The client went away before the mock finished answering. */
  abortedAt?: number;
  /** The mock handed over its whole answer (last byte enqueued, or the non-stream Response). */
  completedAt?: number;
}

export interface MockUpstream {
  /** Web-standard handler: serve it with any runtime, or call it in process. */
  fetch(request: Request): Promise<Response>;
  /** Every request, in order of arrival. */
  readonly requests: RecordedRequest[];
  /** Only `POST /v1/chat/completions`. */
  chatRequests(): RecordedRequest[];
  setFault(fault: MockFault): void;
  setModels(models: MockModel[]): void;
  setOptions(patch: Partial<MockOptions>): void;
  /**
   * The oldest chat-request abort not yet taken, waiting for one when there is none, so a test
   * may call it before or after it aborts its client.
   */
  nextAbort(): Promise<RecordedRequest>;
  /** Response bodies (SSE or partial) still open. */
  activeStreams(): number;
  /**
   * The most chat requests this mock ever had in progress at once (received, not yet answered
   * to the end): what a slot-limited server would have had to queue internally.
   */
  peakChatRequests(): number;
  /** Cold models this mock had to load to answer (see `coldLoadMs`). */
  loads(): number;
  /** Load/unload requests received, as `load MODEL` / `unload MODEL`. */
  lifecycleCalls(): string[];
  /** Timers the mock has scheduled and not yet fired or cleared (0 once everything settled). */
  pendingTimers(): number;
  /** Ends every open stream (connection cut) and pending answer, as a server going away does. */
  shutdown(): void;
}
