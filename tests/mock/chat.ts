/**
 * Chat completion bodies and SSE event lists in OpenAI's wire format (REFERENCE.md B7). Pure:
 * timing and delivery are `sse.ts`'s job.
 * @module
 */
import { badRequest } from "./http.ts";

/**
 * The default reply: long enough that a non-stream completion weighs ~1.4 KB, the size the
 * benchmark targets were set for (BENCH.md).
 */
export const DEFAULT_REPLY =
  "Nexus is a control plane for the language models in a home lab. It keeps a list of every " +
  "server it knows, from its configuration file and from mDNS announcements, and it checks " +
  "each of them on an interval so that a request is only ever sent to a backend that answered " +
  "its last health probe. When a chat completion arrives, Nexus reads the requested model, " +
  "resolves aliases, looks at what the request needs (vision, tools, a JSON response, a long " +
  "context) and scores every backend that can serve it by priority, load and latency. The best " +
  "one gets the request; if it fails before the first byte reaches the client, the next one is " +
  "tried, and the client never notices. Streams are passed through untouched, event by event, " +
  "so a token produced by the model reaches the client as soon as the backend sends it. When " +
  "the client goes away, the upstream request is cancelled at once, which frees the model for " +
  "the next person in the queue. Nothing is stored: Nexus keeps no prompts, no replies and no " +
  "user data, only counters and timings.";

export const TOOL_ARGUMENTS = '{"location":"Paris"}';

/** What a reasoning model thinks first, when asked to (`reasoning_effort`). */
export const REASONING_TEXT = "The user wants an answer; a short one will do.";

export interface ChatRequest {
  readonly model: string;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  /** Set when the request offers tools (and does not end with a tool result): the mock calls the first one. */
  readonly toolName?: string;
  readonly promptTokens: number;
  /** The request set `reasoning_effort`: the answer starts with reasoning in this field. */
  readonly reasoningField?: "reasoning" | "reasoning_content";
}

/** Reads the fields the mock acts on; a body no real server would accept gets their 400. */
export function readChatRequest(body: unknown): ChatRequest | Response {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return badRequest("We could not parse the JSON body of your request.");
  }
  const { model, messages, stream, stream_options, tools } = body as Record<string, unknown>;
  if (typeof model !== "string") {
    return badRequest("you must provide a model parameter", "model");
  }
  if (!Array.isArray(messages)) {
    return badRequest("Missing required parameter: 'messages'.", "messages");
  }
  // A model that has just been given a tool's result answers it rather than calling again.
  const answered = (messages.at(-1) as { role?: unknown } | null)?.role === "tool";
  const firstTool = Array.isArray(tools) && tools.length > 0 && !answered
    ? (tools[0] as { function?: { name?: unknown } } | null)?.function?.name
    : undefined;
  return {
    model,
    stream: stream === true,
    includeUsage: (stream_options as { include_usage?: unknown } | null)?.include_usage === true,
    toolName: firstTool === undefined ? undefined : String(firstTool),
    promptTokens: estimateTokens(JSON.stringify(messages)),
  };
}

/** Four characters a token, the usual rule of thumb. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** OpenAI-style ids: a prefix and random alphanumerics (`chatcmpl-` + 29, `call_` + 24). */
export function randomId(prefix: string, length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let id = prefix;
  for (const byte of bytes) id += ALPHANUMERIC[byte % ALPHANUMERIC.length];
  return id;
}

export interface ReplyMeta {
  readonly id: string;
  readonly created: number;
  readonly fingerprint: string;
}

export function newReplyMeta(fingerprint: string): ReplyMeta {
  return {
    id: randomId("chatcmpl-", 29),
    created: Math.floor(Date.now() / 1000),
    fingerprint,
  };
}

function usage(request: ChatRequest, completionTokens: number) {
  return {
    prompt_tokens: request.promptTokens,
    completion_tokens: completionTokens,
    total_tokens: request.promptTokens + completionTokens,
  };
}

function completionTokens(request: ChatRequest, text: string, toolArguments: string): number {
  return estimateTokens(request.toolName === undefined ? text : toolArguments);
}

/** A `chat.completion` body: the reply text, or a call to the first tool offered. */
export function completionBody(
  request: ChatRequest,
  meta: ReplyMeta,
  text: string,
  toolArguments = TOOL_ARGUMENTS,
): string {
  const message: Record<string, unknown> = request.toolName === undefined
    ? { role: "assistant", content: text }
    : {
      role: "assistant",
      content: null,
      tool_calls: [{
        id: randomId("call_", 24),
        type: "function",
        function: { name: request.toolName, arguments: toolArguments },
      }],
    };
  if (request.reasoningField) message[request.reasoningField] = REASONING_TEXT;
  return JSON.stringify({
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: request.model,
    system_fingerprint: meta.fingerprint,
    choices: [{
      index: 0,
      message,
      logprobs: null,
      finish_reason: request.toolName === undefined ? "stop" : "tool_calls",
    }],
    usage: usage(request, completionTokens(request, text, toolArguments)),
  });
}

/**
 * One SSE event. A `stamped` event is chunk JSON without its closing brace: the sender appends
 * `"x_seq"` and `"x_sent_ms"` at the moment it sends, so latency through a proxy is measurable.
 */
export interface SseStep {
  readonly delayMs: number;
  readonly text: string;
  readonly stamped: boolean;
}

export interface StreamTiming {
  readonly ttftMs: number;
  readonly chunkGapMs: number;
  readonly chunks: number;
  /** The tool call's arguments and how many deltas carry them. @default TOOL_ARGUMENTS, 3 */
  readonly toolArguments?: string;
  readonly toolChunks?: number;
}

export const DONE_EVENT = "data: [DONE]\n\n";

/** Role chunk, content (or tool-call) chunks, finish chunk, optional usage chunk, `[DONE]`. */
export function streamSteps(
  request: ChatRequest,
  meta: ReplyMeta,
  text: string,
  timing: StreamTiming,
): SseStep[] {
  const head = `{"id":"${meta.id}","object":"chat.completion.chunk","created":${meta.created},` +
    `"model":${JSON.stringify(request.model)},"system_fingerprint":"${meta.fingerprint}",` +
    `"choices":`;
  // OpenAI marks every chunk `"usage":null` when the last one will carry the usage.
  const tail = request.includeUsage ? ',"usage":null' : "";
  const chunk = (delayMs: number, delta: unknown, finish: string | null): SseStep => ({
    delayMs,
    text: head + JSON.stringify([{ index: 0, delta, logprobs: null, finish_reason: finish }]) +
      tail,
    stamped: true,
  });
  const toolArguments = timing.toolArguments ?? TOOL_ARGUMENTS;
  const steps: SseStep[] = [];
  let firstDelay = timing.ttftMs;
  if (request.reasoningField) {
    const thought = { role: "assistant", [request.reasoningField]: REASONING_TEXT };
    steps.push(chunk(firstDelay, thought, null));
    firstDelay = 0;
  }
  if (request.toolName === undefined) {
    steps.push(chunk(firstDelay, { role: "assistant", content: "" }, null));
    splitText(text, timing.chunks).forEach((piece, i) => {
      steps.push(chunk(i === 0 ? 0 : timing.chunkGapMs, { content: piece }, null));
    });
    steps.push(chunk(0, {}, "stop"));
  } else {
    const call = {
      index: 0,
      id: randomId("call_", 24),
      type: "function",
      function: { name: request.toolName, arguments: "" },
    };
    steps.push(
      chunk(firstDelay, { role: "assistant", content: null, tool_calls: [call] }, null),
    );
    for (const piece of splitText(toolArguments, timing.toolChunks ?? 3)) {
      const delta = { tool_calls: [{ index: 0, function: { arguments: piece } }] };
      steps.push(chunk(timing.chunkGapMs, delta, null));
    }
    steps.push(chunk(0, {}, "tool_calls"));
  }
  if (request.includeUsage) {
    const counts = JSON.stringify(usage(request, completionTokens(request, text, toolArguments)));
    steps.push({ delayMs: 0, text: `${head}[],"usage":${counts}`, stamped: true });
  }
  steps.push({ delayMs: 0, text: DONE_EVENT, stamped: false });
  return steps;
}

/**
 * `count` consecutive pieces whose concatenation is `text`, cut between code points. With
 * more pieces than characters, some pieces are empty.
 */
export function splitText(text: string, count: number): string[] {
  const chars = Array.from(text);
  const n = Math.max(1, Math.floor(count));
  const pieces: string[] = [];
  for (let i = 0; i < n; i++) {
    const from = Math.round((i * chars.length) / n);
    const to = Math.round(((i + 1) * chars.length) / n);
    pieces.push(chars.slice(from, to).join(""));
  }
  return pieces;
}
