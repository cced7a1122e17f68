/**
 * Ollama `/api/chat` answers as OpenAI chat completions (pure state machines; the clock is
 * injected), for OpenAI clients whose long prompts Nexus sent to Ollama's native API
 * (context.ts). A stream becomes SSE chunks as Ollama's own OpenAI endpoint writes them: a role
 * chunk, content deltas (`reasoning` for thinking), tool calls whole with generated ids, a finish
 * chunk, the usage chunk when `stream_options.include_usage` asks, then `data: [DONE]`. An
 * `{"error":…}` line, or a failure, ends the stream with OpenAI's in-stream error event.
 * @module
 */
import type { Clock } from "../../lib/clock.ts";
import { type Failure, failure } from "../../lib/failures.ts";
import type { StreamTranslator, TranslatedBody, Translation } from "../contract.ts";
import { openaiInStreamError } from "../openai/dialect.ts";
import { rejectionOf } from "./from-openai.ts";
import { toolCallId } from "./tool-ids.ts";

export interface NativeAnswerContext {
  /** The model name the client sees. */
  readonly model: string;
  readonly clock: Pick<Clock, "now">;
  /** `stream_options.include_usage`. */
  readonly includeUsage: boolean;
}

interface NativeLine {
  readonly error?: unknown;
  readonly message?: { content?: unknown; thinking?: unknown; tool_calls?: unknown };
  readonly done?: unknown;
  readonly done_reason?: unknown;
  readonly prompt_eval_count?: unknown;
  readonly eval_count?: unknown;
}

interface NativeCall {
  readonly function?: { readonly name?: unknown; readonly arguments?: unknown };
}

export function nativeToOpenaiTranslation(
  context: NativeAnswerContext,
  backend: string,
): Translation {
  return {
    framing: "ndjson",
    whole: (json) => wholeCompletion(context, json),
    rejection: (status, body) => rejectionOf(backend, status, body),
    stream: () => new NativeToOpenaiStream(context),
  };
}

export class NativeToOpenaiStream implements StreamTranslator {
  readonly contentType = "text/event-stream";
  readonly #context: NativeAnswerContext;
  readonly #head: string;
  readonly #created: number;
  #started = false;
  #finished = false;
  #calls = 0;

  constructor(context: NativeAnswerContext) {
    this.#context = context;
    this.#created = Math.floor(context.clock.now() / 1000);
    this.#head = `{"id":"chatcmpl-${toolCallId("chatcmpl", context.clock.now(), context.model)}",` +
      `"object":"chat.completion.chunk","created":${this.#created},"model":${
        JSON.stringify(context.model)
      },"system_fingerprint":"fp_ollama","choices":`;
  }

  event(data: string): string {
    if (this.#finished) return "";
    let line: NativeLine;
    try {
      line = JSON.parse(data);
    } catch {
      return "";
    }
    if (line === null || typeof line !== "object") return "";
    if (line.error !== undefined) {
      return this.fail(failure("upstream_failed", String(line.error)));
    }
    let out = this.#start();
    const message = line.message ?? {};
    const content = typeof message.content === "string" ? message.content : "";
    const thinking = typeof message.thinking === "string" ? message.thinking : "";
    if (content !== "" || thinking !== "") {
      const delta = thinking === "" ? { content } : content === "" ? { reasoning: thinking } : {
        content,
        reasoning: thinking,
      };
      out += this.#chunk(delta, null);
    }
    if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0) {
      const calls = (message.tool_calls as NativeCall[]).map((call) => {
        const index = this.#calls++;
        return { index, ...openaiCall(call, index, this.#created) };
      });
      out += this.#chunk({ tool_calls: calls }, null);
    }
    if (line.done === true) out += this.#finish(line);
    return out;
  }

  end(): string {
    return this.#finished ? "" : this.#start() + this.#finish({});
  }

  fail(reason: Failure): string {
    if (this.#finished) return "";
    this.#finished = true;
    return openaiInStreamError(reason);
  }

  #start(): string {
    if (this.#started) return "";
    this.#started = true;
    return this.#chunk({ role: "assistant", content: "" }, null);
  }

  #finish(line: NativeLine): string {
    this.#finished = true;
    const reason = this.#calls > 0 ? "tool_calls" : finishReason(line.done_reason);
    let out = this.#chunk({}, reason);
    if (this.#context.includeUsage) {
      out += `data: ${this.#head}[],"usage":${JSON.stringify(usageOf(line))}}\n\n`;
    }
    return out + "data: [DONE]\n\n";
  }

  #chunk(delta: unknown, finish: string | null): string {
    return `data: ${this.#head}${
      JSON.stringify([{ index: 0, delta, logprobs: null, finish_reason: finish }])
    }}\n\n`;
  }
}

function wholeCompletion(context: NativeAnswerContext, json: unknown): TranslatedBody | Failure {
  const line = (json ?? {}) as NativeLine;
  if (line.message === undefined) return failure("upstream_failed", "the answer has no message");
  const created = Math.floor(context.clock.now() / 1000);
  const { content, thinking, tool_calls } = line.message;
  const calls = Array.isArray(tool_calls)
    ? (tool_calls as NativeCall[]).map((call, i) => openaiCall(call, i, created))
    : [];
  const message: Record<string, unknown> = {
    role: "assistant",
    content: typeof content === "string" ? content : "",
  };
  if (typeof thinking === "string" && thinking !== "") message.reasoning = thinking;
  if (calls.length > 0) message.tool_calls = calls;
  const body = {
    id: `chatcmpl-${toolCallId("chatcmpl", context.clock.now(), context.model)}`,
    object: "chat.completion",
    created,
    model: context.model,
    system_fingerprint: "fp_ollama",
    choices: [{
      index: 0,
      message,
      finish_reason: calls.length > 0 ? "tool_calls" : finishReason(line.done_reason),
    }],
    usage: usageOf(line),
  };
  return { contentType: "application/json", text: JSON.stringify(body) };
}

function openaiCall(call: NativeCall, index: number, created: number) {
  const name = typeof call.function?.name === "string" ? call.function.name : "";
  const args = call.function?.arguments;
  const text = typeof args === "string" ? args : JSON.stringify(args ?? {});
  return {
    id: `call_${toolCallId(name, text, index, created)}`,
    type: "function",
    function: { name, arguments: text },
  };
}

function finishReason(reason: unknown): string {
  return reason === "length" ? "length" : "stop";
}

function usageOf(line: NativeLine) {
  const prompt = typeof line.prompt_eval_count === "number" ? line.prompt_eval_count : 0;
  const completion = typeof line.eval_count === "number" ? line.eval_count : 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  };
}
