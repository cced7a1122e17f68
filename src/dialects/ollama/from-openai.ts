/**
 * OpenAI answers as Ollama answers (pure state machines; the clock is injected). A chat
 * completion stream becomes NDJSON lines: one per piece of text or thinking, tool calls gathered
 * whole (Ollama sends each call complete, its arguments an object) and sent before the last line,
 * and exactly one final `done: true` line with `done_reason`, the token counts (the backend's
 * usage, else Nexus's estimate and the pieces counted) and durations measured around the call.
 * A failure, the backend's own `{"error":…}` event included, ends the stream with one
 * `{"error":"…"}` line instead of the final line.
 * @module
 */
import { type Failure, failure } from "../../lib/failures.ts";
import type { StreamTranslator, TranslatedBody, Translation } from "../contract.ts";
import { type AnswerContext, doneLine, doneReason, head, type Piece, pieceLine } from "./answer.ts";
import { NDJSON, ollamaErrorLine } from "./dialect.ts";
import { argumentsObject } from "./tool-ids.ts";

const JSON_TYPE = "application/json; charset=utf-8";

interface Choice {
  readonly delta?: Record<string, unknown>;
  readonly message?: Record<string, unknown>;
  readonly text?: unknown;
  readonly finish_reason?: unknown;
}

interface CallDelta {
  readonly index?: unknown;
  readonly function?: { readonly name?: unknown; readonly arguments?: unknown };
}

/** Chat (or generate) over OpenAI chat completions or legacy completions. */
export function fromOpenaiTranslation(context: AnswerContext, backend: string): Translation {
  return {
    framing: "sse",
    whole: (json) => wholeAnswer(context, json),
    rejection: (status, body) => rejectionOf(backend, status, body),
    stream: () => new OpenaiToOllamaStream(context),
  };
}

export class OpenaiToOllamaStream implements StreamTranslator {
  readonly contentType = NDJSON;
  readonly #context: AnswerContext;
  #finished = false;
  #finish: unknown = undefined;
  #usage: { prompt?: number; completion?: number } = {};
  #pieces = 0;
  #firstTokenAt: number | undefined;
  readonly #calls = new Map<number, { name: string; args: string }>();

  constructor(context: AnswerContext) {
    this.#context = context;
  }

  event(data: string): string {
    if (this.#finished) return "";
    if (data === "[DONE]") return this.#done();
    let chunk: Record<string, unknown>;
    try {
      chunk = JSON.parse(data);
    } catch {
      return ""; // not an event a client could use; the stream goes on
    }
    if (chunk === null || typeof chunk !== "object") return "";
    if (chunk.error !== undefined) return this.fail(failure("upstream_failed", errorText(chunk)));
    this.#noteUsage(chunk.usage);
    const choice = (chunk.choices as Choice[] | undefined)?.[0];
    if (choice === undefined) return "";
    if (choice.finish_reason != null) this.#finish = choice.finish_reason;
    const delta = choice.delta ?? {};
    if (Array.isArray(delta.tool_calls)) this.#gather(delta.tool_calls as CallDelta[]);
    const content = typeof delta.content === "string"
      ? delta.content
      : typeof choice.text === "string"
      ? choice.text
      : "";
    const thinking = thinkingOf(delta);
    if (content === "" && thinking === "") return "";
    this.#firstTokenAt ??= this.#context.clock.monotonic();
    this.#pieces++;
    return pieceLine(this.#context, thinking === "" ? { content } : { content, thinking });
  }

  end(): string {
    return this.#finished ? "" : this.#done();
  }

  fail(reason: Failure): string {
    if (this.#finished) return "";
    this.#finished = true;
    return ollamaErrorLine(reason);
  }

  #done(): string {
    this.#finished = true;
    let out = "";
    if (this.#calls.size > 0) {
      const toolCalls = [...this.#calls.values()].map(({ name, args }) => ({
        function: { name, arguments: argumentsObject(args) },
      }));
      out += pieceLine(this.#context, { content: "", toolCalls });
    }
    return out + doneLine(this.#context, {
      doneReason: doneReason(this.#finish),
      promptTokens: this.#usage.prompt ?? this.#context.promptTokens,
      evalTokens: this.#usage.completion ?? this.#pieces,
      firstTokenAt: this.#firstTokenAt,
    }) + "\n";
  }

  #noteUsage(usage: unknown): void {
    if (usage === null || typeof usage !== "object") return;
    const { prompt_tokens, completion_tokens } = usage as Record<string, unknown>;
    if (typeof prompt_tokens === "number") this.#usage.prompt = prompt_tokens;
    if (typeof completion_tokens === "number") this.#usage.completion = completion_tokens;
  }

  /** Tool-call deltas by index: the first names the call, the rest add argument text. */
  #gather(deltas: readonly CallDelta[]): void {
    this.#firstTokenAt ??= this.#context.clock.monotonic();
    for (const delta of deltas) {
      const index = typeof delta.index === "number" ? delta.index : this.#calls.size;
      const call = this.#calls.get(index) ?? { name: "", args: "" };
      if (typeof delta.function?.name === "string") call.name += delta.function.name;
      if (typeof delta.function?.arguments === "string") call.args += delta.function.arguments;
      this.#calls.set(index, call);
    }
  }
}

function wholeAnswer(context: AnswerContext, json: unknown): TranslatedBody | Failure {
  const body = json as { choices?: Choice[]; usage?: Record<string, unknown> } | null;
  const choice = body?.choices?.[0];
  if (choice === undefined) return failure("upstream_failed", "the answer has no choices");
  const message = choice.message ?? {};
  const content = typeof message.content === "string"
    ? message.content
    : typeof choice.text === "string"
    ? choice.text
    : "";
  const thinking = thinkingOf(message);
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls as CallDelta[] : [];
  const piece: Piece = {
    content,
    ...(thinking === "" ? {} : { thinking }),
    ...(calls.length === 0 ? {} : {
      toolCalls: calls.map((call) => ({
        function: {
          name: typeof call.function?.name === "string" ? call.function.name : "",
          arguments: argumentsObject(call.function?.arguments),
        },
      })),
    }),
  };
  const usage = body?.usage ?? {};
  const now = context.clock.monotonic();
  const text = doneLine(context, {
    doneReason: doneReason(choice.finish_reason),
    promptTokens: typeof usage.prompt_tokens === "number"
      ? usage.prompt_tokens
      : context.promptTokens,
    evalTokens: typeof usage.completion_tokens === "number" ? usage.completion_tokens : 0,
    firstTokenAt: now,
  }, piece);
  return { contentType: JSON_TYPE, text };
}

/** Reasoning text: vLLM and llama.cpp say `reasoning_content`, others `reasoning`. */
function thinkingOf(source: Record<string, unknown>): string {
  const value = source.reasoning_content ?? source.reasoning;
  return typeof value === "string" ? value : "";
}

/** Embeddings: `/api/embed` answers `embeddings`, the older `/api/embeddings` one `embedding`. */
export function embedTranslation(
  context: AnswerContext,
  backend: string,
  legacy: boolean,
): Translation {
  return {
    framing: "sse",
    whole(json) {
      const data = (json as { data?: { index?: number; embedding?: unknown }[] } | null)?.data;
      if (!Array.isArray(data)) return failure("upstream_failed", "the answer has no data");
      const vectors = [...data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0))
        .map((item) => item.embedding);
      if (legacy) {
        return { contentType: JSON_TYPE, text: JSON.stringify({ embedding: vectors[0] }) };
      }
      const usage = (json as { usage?: { prompt_tokens?: unknown } }).usage;
      const ns = Math.round((context.clock.monotonic() - context.startedAt) * 1e6);
      return {
        contentType: JSON_TYPE,
        text: JSON.stringify({
          model: context.model,
          embeddings: vectors,
          total_duration: Math.max(0, ns),
          load_duration: 0,
          prompt_eval_count: typeof usage?.prompt_tokens === "number"
            ? usage.prompt_tokens
            : context.promptTokens,
        }),
      };
    },
    rejection: (status, body) => rejectionOf(backend, status, body),
    stream: () => new OpenaiToOllamaStream(context),
  };
}

/**
 * The form that only loads or unloads a model (no prompt, no messages), on a server that manages
 * its models itself: answered as Ollama does once the backend has answered.
 */
export function loadTranslation(
  context: AnswerContext,
  backend: string,
  reason: "load" | "unload",
): Translation {
  return {
    framing: "sse",
    whole: () => ({
      contentType: JSON_TYPE,
      text: `${head(context)},${
        context.shape === "chat" ? '"message":{"role":"assistant","content":""}' : '"response":""'
      },"done":true,"done_reason":"${reason}"}`,
    }),
    rejection: (status, text) => rejectionOf(backend, status, text),
    stream: () => new OpenaiToOllamaStream(context),
  };
}

/** The backend refused (4xx): its own message, with its status, in the client's dialect. */
export function rejectionOf(backend: string, status: number, body: string): Failure {
  let message = body.trim();
  try {
    message = errorText(JSON.parse(body)) || message;
  } catch {
    // not JSON: the text itself
  }
  return failure(
    "upstream_rejected",
    `Backend ${backend} answered HTTP ${status}: ${message.slice(0, 500)}`,
    { status },
  );
}

/** The message of an error body in any of the usual shapes. */
function errorText(json: unknown): string {
  if (json === null || typeof json !== "object") return "";
  const { error, detail, message } = json as Record<string, unknown>;
  if (typeof error === "string") return error;
  if (error !== null && typeof error === "object") {
    const inner = (error as { message?: unknown }).message;
    if (typeof inner === "string") return inner;
  }
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) return JSON.stringify(detail);
  return typeof message === "string" ? message : "";
}
