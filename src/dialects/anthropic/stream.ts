/**
 * An OpenAI chat completion stream as Anthropic's event stream, one upstream chunk at a time:
 *
 *   message_start, then per content block content_block_start, content_block_delta…
 *   (text_delta, thinking_delta, input_json_delta), content_block_stop; then message_delta
 *   (stop_reason, usage) and message_stop.
 *
 * Reasoning, text and each tool call become consecutive blocks; a tool call's arguments are
 * streamed as they come (input_json_delta). The usage arrives after the finish chunk in OpenAI
 * streams, so message_delta waits for `[DONE]` (or the end of the stream). Anything the backend
 * sends that cannot be carried on ends the stream with one `event: error`.
 * @module
 */
import { type Failure, failure } from "../../lib/failures.ts";
import type { StreamTranslator } from "../contract.ts";
import { type AnswerContext, argumentsText, reasoningOf, stopOf, usageOf } from "./answer.ts";
import { anthropicErrorEvent } from "./dialect.ts";
import { isObject } from "./fields.ts";
import {
  blockStart,
  blockStop,
  delta,
  MESSAGE_STOP,
  messageDelta,
  messageStart,
} from "./events.ts";

/** One tool call of the answer, by its OpenAI `index`. */
interface ToolCall {
  id: string | undefined;
  name: string | undefined;
  /** Arguments received before the call's name (its block cannot start without one). */
  pending: string;
  /** The call's content block index; -1 until it starts. */
  block: number;
}

type Open = "text" | "thinking" | ToolCall | undefined;

export class MessagesStream implements StreamTranslator {
  readonly contentType = "text/event-stream";
  readonly #context: AnswerContext;
  #started = false;
  /** message_stop or an error was sent: nothing more goes out. */
  #done = false;
  #blocks = 0;
  #open: Open;
  readonly #calls = new Map<number, ToolCall>();
  #lastCall = 0;
  #finish: unknown;
  #matched: unknown;
  #usage: unknown;
  #outputChars = 0;

  constructor(context: AnswerContext) {
    this.#context = context;
  }

  event(data: string): string {
    if (this.#done) return "";
    if (data === "[DONE]") return this.#complete();
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      return this.#error("the backend sent a stream event that is not JSON");
    }
    if (!isObject(chunk)) {
      return this.#error("the backend sent a stream event that is not an object");
    }
    if (chunk.error !== undefined && chunk.error !== null) {
      return this.#error(`the backend failed: ${errorText(chunk.error)}`);
    }
    let out = this.#start();
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (isObject(choice)) out += this.#choice(choice);
    if (isObject(chunk.usage)) this.#usage = chunk.usage;
    return out;
  }

  end(): string {
    if (this.#done) return "";
    if (!this.#started) return this.#error("the backend ended the stream without an answer");
    if (this.#finish === undefined) return this.#error("the backend ended the stream mid-answer");
    return this.#complete();
  }

  fail(reason: Failure): string {
    if (this.#done) return "";
    this.#done = true;
    return anthropicErrorEvent(reason);
  }

  #start(): string {
    if (this.#started) return "";
    this.#started = true;
    const { ids, model, inputEstimate } = this.#context;
    return messageStart(ids.message(), model, inputEstimate);
  }

  #choice(choice: Record<string, unknown>): string {
    const change = isObject(choice.delta) ? choice.delta : {};
    let out = "";
    const reasoning = reasoningOf(change);
    if (reasoning !== "") out += this.#text("thinking", reasoning);
    if (typeof change.content === "string" && change.content !== "") {
      out += this.#text("text", change.content);
    }
    if (Array.isArray(change.tool_calls)) {
      for (const call of change.tool_calls) {
        out += this.#toolCall(call);
        if (this.#done) return out;
      }
    }
    if (typeof choice.finish_reason === "string") {
      this.#finish = choice.finish_reason;
      this.#matched = choice.stop_reason;
    }
    return out;
  }

  #text(kind: "text" | "thinking", text: string): string {
    let out = "";
    if (this.#open !== kind) {
      out += this.#close();
      out += blockStart(this.#blocks++, kind);
      this.#open = kind;
    }
    this.#outputChars += text.length;
    return out + delta(this.#blocks - 1, kind, text);
  }

  #toolCall(raw: unknown): string {
    if (!isObject(raw)) return "";
    const fn = isObject(raw.function) ? raw.function : {};
    const id = typeof raw.id === "string" && raw.id !== "" ? raw.id : undefined;
    // Without an index (Ollama sends whole calls), a call with a new id is the next call.
    const index = typeof raw.index === "number"
      ? raw.index
      : id !== undefined && this.#calls.size > 0 && this.#calls.get(this.#lastCall)?.id !== id
      ? this.#lastCall + 1
      : this.#lastCall;
    this.#lastCall = index;
    let call = this.#calls.get(index);
    if (call === undefined) {
      call = { id, name: undefined, pending: "", block: -1 };
      this.#calls.set(index, call);
    }
    call.id ??= id;
    if (typeof fn.name === "string" && fn.name !== "") call.name ??= fn.name;
    const piece = argumentsText(fn.arguments);
    this.#outputChars += piece.length;
    if (call.block < 0) {
      if (call.name === undefined) {
        call.pending += piece;
        return "";
      }
      return this.#startCall(call, call.pending + piece);
    }
    if (this.#open !== call) {
      return this.#error("the backend interleaved its tool calls, which one message cannot carry");
    }
    return piece === "" ? "" : delta(call.block, "tool", piece);
  }

  #startCall(call: ToolCall, args: string): string {
    let out = this.#close();
    call.id ??= this.#context.ids.toolUse();
    call.block = this.#blocks++;
    call.pending = "";
    out += blockStart(call.block, "tool", call.id, call.name);
    this.#open = call;
    return args === "" ? out : out + delta(call.block, "tool", args);
  }

  #close(): string {
    if (this.#open === undefined) return "";
    const index = typeof this.#open === "string" ? this.#blocks - 1 : this.#open.block;
    this.#open = undefined;
    return blockStop(index);
  }

  #complete(): string {
    for (const call of this.#calls.values()) {
      if (call.block < 0) return this.#error("the backend sent a tool call without a name");
    }
    const out = this.#close();
    this.#done = true;
    const stop = stopOf(this.#finish, this.#matched, this.#context, this.#calls.size > 0);
    const usage = usageOf(this.#usage, this.#context, this.#outputChars);
    return out + messageDelta(stop, usage) + MESSAGE_STOP;
  }

  #error(why: string): string {
    this.#done = true;
    return anthropicErrorEvent(failure("upstream_failed", `Stream ended early: ${why}`));
  }
}

/** The message of an OpenAI-style `error` member (an object with `message`, or a string). */
export function errorText(error: unknown): string {
  if (typeof error === "string") return error;
  if (isObject(error) && typeof error.message === "string") return error.message;
  return JSON.stringify(error);
}
