/**
 * Chat completion chunks → the Responses event stream, one upstream event at a time (pure: the
 * ids and the time come from an `IdSource`). The sequence follows OpenAI's:
 *
 *   response.created, response.in_progress
 *   per output item: output_item.added, (content_part.added, *.delta…, *.done, content_part.done
 *     | function_call_arguments.delta…, function_call_arguments.done), output_item.done
 *   response.completed | response.incomplete (finish_reason length, content_filter)
 *
 * Every event carries a strictly increasing `sequence_number`; output indexes are given in the
 * order items are added. Text and reasoning are one item at a time; tool calls stay open until
 * the finish chunk, because a backend may interleave several calls' arguments by `index`. A
 * call's `id` and `name` are taken as sent (a backend may repeat them whole in every chunk, as
 * the openai SDK's own accumulator allows); only arguments are concatenated.
 *
 * A failure ends the stream with an `error` event (the openai SDK's `responses.stream()` rejects
 * on it) and `response.failed` (what Codex reads); items still open are not closed, so no client
 * runs a tool call whose arguments were cut short.
 * @module
 */
import { type Failure, rowOf } from "../../../lib/failures.ts";
import type { StreamTranslator } from "../../contract.ts";
import { responseJson, type ResponseStatus } from "./envelope.ts";
import type { IdSource } from "./ids.ts";
import {
  endingOf,
  functionCallItem,
  type ItemStatus,
  messageItem,
  outputText,
  reasoningItem,
  reasoningOf,
  reasoningText,
} from "./items.ts";
import { type ResponsesUsage, responsesUsage } from "./usage.ts";

export interface StreamContext {
  readonly ids: IdSource;
  /** The request settings echoed in every Response snapshot (`echoOf`). */
  readonly echo: string;
  /** The model name, until the backend's first chunk names it. */
  readonly model: string;
}

type TextKind = "message" | "reasoning";

interface TextItem {
  readonly kind: TextKind;
  readonly id: string;
  readonly index: number;
  /** `"item_id":…,"output_index":…,"content_index":0`, written once per item. */
  readonly where: string;
  text: string;
}

interface CallItem {
  /** -1 until the call is added (its name is known). */
  index: number;
  id: string;
  callId: string;
  name: string;
  args: string;
  /** Arguments that came before the name. */
  pending: string;
  done: boolean;
  where: string;
}

interface ChatDelta {
  content?: unknown;
  reasoning_content?: unknown;
  reasoning?: unknown;
  tool_calls?: unknown;
}

interface ChatToolCallDelta {
  index?: unknown;
  id?: unknown;
  function?: { name?: unknown; arguments?: unknown } | null;
}

interface ChatChunk {
  id?: unknown;
  created?: unknown;
  model?: unknown;
  error?: unknown;
  usage?: unknown;
  choices?: Array<{ delta?: ChatDelta | null; finish_reason?: unknown } | undefined>;
}

export class ResponsesStream implements StreamTranslator {
  readonly contentType = "text/event-stream";
  readonly #context: StreamContext;
  #seq = 0;
  #phase: "new" | "open" | "ended" = "new";
  #responseId = "";
  #createdAt = 0;
  #model: string;
  #nextIndex = 0;
  /** Finished items, by output index. */
  readonly #output: unknown[] = [];
  #text: TextItem | undefined;
  readonly #calls = new Map<number, CallItem>();
  #openCalls: CallItem[] = [];
  #finish: unknown = undefined;
  #usage: ResponsesUsage | undefined;

  constructor(context: StreamContext) {
    this.#context = context;
    this.#model = context.model;
  }

  event(data: string): string {
    if (this.#phase === "ended") return "";
    if (data === "[DONE]") return this.#start(undefined) + this.#terminal();
    let chunk: ChatChunk;
    try {
      chunk = JSON.parse(data);
    } catch {
      return this.#failWith("server_error", "the backend sent a stream event that is not JSON");
    }
    if (typeof chunk !== "object" || chunk === null) {
      return this.#failWith(
        "server_error",
        "the backend sent a stream event that is not an object",
      );
    }
    let out = this.#start(chunk);
    if (chunk.error !== undefined && chunk.error !== null) {
      return out + this.#failWith("server_error", `the backend failed: ${errorText(chunk.error)}`);
    }
    if (typeof chunk.usage === "object" && chunk.usage !== null) {
      this.#usage = responsesUsage(chunk.usage) ?? this.#usage;
    }
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (choice === undefined || choice === null) return out;
    const delta = choice.delta;
    if (delta) {
      const reasoning = reasoningOf(delta);
      if (reasoning !== "") out += this.#textDelta("reasoning", reasoning);
      const content = delta.content;
      if (typeof content === "string" && content !== "") out += this.#textDelta("message", content);
      const calls = delta.tool_calls;
      if (Array.isArray(calls)) {
        for (let i = 0; i < calls.length; i++) out += this.#callDelta(calls[i], i);
      }
    }
    const finish = choice.finish_reason;
    if (finish !== undefined && finish !== null) {
      this.#finish = finish;
      // Closing at once lets a client run the tool calls before the usage chunk arrives.
      out += this.#closeItems();
    }
    return out;
  }

  end(): string {
    if (this.#phase === "ended") return "";
    return this.#start(undefined) + this.#terminal();
  }

  fail(failure: Failure): string {
    if (this.#phase === "ended") return "";
    return this.#start(undefined) + this.#failWith(rowOf(failure).code, failure.message);
  }

  #emit(type: string, fields: string): string {
    return `event: ${type}\ndata: {"type":"${type}","sequence_number":${this
      .#seq++},${fields}}\n\n`;
  }

  #start(chunk: ChatChunk | undefined): string {
    if (this.#phase !== "new") return "";
    this.#phase = "open";
    const { ids } = this.#context;
    this.#responseId = ids.id("resp_");
    this.#createdAt = typeof chunk?.created === "number" ? chunk.created : ids.nowSeconds();
    if (typeof chunk?.model === "string" && chunk.model !== "") this.#model = chunk.model;
    const response = this.#snapshot("in_progress", []);
    return this.#emit("response.created", `"response":${response}`) +
      this.#emit("response.in_progress", `"response":${response}`);
  }

  #snapshot(status: ResponseStatus, output: readonly unknown[], error?: string): string {
    const ending = endingOf(this.#finish);
    return responseJson({
      id: this.#responseId,
      createdAt: this.#createdAt,
      model: this.#model,
      status,
      output,
      usage: this.#usage,
      incomplete: status === "incomplete" ? ending.incomplete : undefined,
      error: error === undefined ? undefined : { code: "server_error", message: error },
    }, this.#context.echo);
  }

  #textDelta(kind: TextKind, delta: string): string {
    let out = "";
    if (this.#text !== undefined && this.#text.kind !== kind) out += this.#closeText();
    const item = this.#text ?? this.#openText(kind);
    if (this.#text === undefined) {
      out += this.#added(item.index, textItem(kind, item.id, "in_progress", undefined));
      const part = kind === "message" ? outputText("") : reasoningText("");
      out += this.#emit("response.content_part.added", `${item.where},"part":${json(part)}`);
      this.#text = item;
    }
    item.text += delta;
    return out + (kind === "message"
      ? this.#emit(
        "response.output_text.delta",
        `${item.where},"delta":${JSON.stringify(delta)},"logprobs":[]`,
      )
      : this.#emit(
        "response.reasoning_text.delta",
        `${item.where},"delta":${JSON.stringify(delta)}`,
      ));
  }

  #openText(kind: TextKind): TextItem {
    const id = this.#context.ids.id(kind === "message" ? "msg_" : "rs_");
    const index = this.#nextIndex++;
    const where = `"item_id":${JSON.stringify(id)},"output_index":${index},"content_index":0`;
    return { kind, id, index, where, text: "" };
  }

  #closeText(): string {
    const item = this.#text;
    if (item === undefined) return "";
    this.#text = undefined;
    const text = JSON.stringify(item.text);
    const status = endingOf(this.#finish).items;
    const done = textItem(item.kind, item.id, status, item.text);
    this.#output[item.index] = done;
    const part = item.kind === "message" ? outputText(item.text) : reasoningText(item.text);
    const textDone = item.kind === "message"
      ? this.#emit("response.output_text.done", `${item.where},"text":${text},"logprobs":[]`)
      : this.#emit("response.reasoning_text.done", `${item.where},"text":${text}`);
    return textDone +
      this.#emit("response.content_part.done", `${item.where},"part":${json(part)}`) +
      this.#emit("response.output_item.done", `"output_index":${item.index},"item":${json(done)}`);
  }

  #callDelta(raw: unknown, position: number): string {
    if (typeof raw !== "object" || raw === null) return "";
    const delta = raw as ChatToolCallDelta;
    // Some servers leave out `index` when they send one call per chunk.
    const key = typeof delta.index === "number" ? delta.index : position;
    let call = this.#calls.get(key);
    if (call === undefined) {
      call = {
        index: -1,
        id: "",
        callId: "",
        name: "",
        args: "",
        pending: "",
        done: false,
        where: "",
      };
      this.#calls.set(key, call);
    }
    if (call.done) return "";
    if (typeof delta.id === "string" && delta.id !== "") call.callId = delta.id;
    const fn = delta.function;
    let piece = "";
    if (typeof fn === "object" && fn !== null) {
      if (typeof fn.name === "string" && fn.name !== "") call.name = fn.name;
      if (typeof fn.arguments === "string") piece = fn.arguments;
    }
    if (call.index >= 0) return piece === "" ? "" : this.#arguments(call, piece);
    call.pending += piece;
    return call.name === "" ? "" : this.#addCall(call);
  }

  #addCall(call: CallItem): string {
    // A message or reasoning item ends where the tool calls begin, as in OpenAI's own streams.
    let out = this.#closeText();
    const { ids } = this.#context;
    call.index = this.#nextIndex++;
    call.id = ids.id("fc_");
    if (call.callId === "") call.callId = ids.id("call_");
    call.where = `"item_id":${JSON.stringify(call.id)},"output_index":${call.index}`;
    this.#openCalls.push(call);
    out += this.#added(
      call.index,
      functionCallItem(call.id, "in_progress", call.callId, call.name, ""),
    );
    const pending = call.pending;
    call.pending = "";
    return pending === "" ? out : out + this.#arguments(call, pending);
  }

  #arguments(call: CallItem, piece: string): string {
    call.args += piece;
    return this.#emit(
      "response.function_call_arguments.delta",
      `${call.where},"delta":${JSON.stringify(piece)}`,
    );
  }

  #added(index: number, item: unknown): string {
    return this.#emit("response.output_item.added", `"output_index":${index},"item":${json(item)}`);
  }

  /** Ends every open item: text first (it was added first), then calls in output order. */
  #closeItems(): string {
    let out = this.#closeText();
    // A call whose name never came is still the model's output: add it rather than drop it.
    for (const call of this.#calls.values()) {
      if (call.index < 0 && !call.done) out += this.#addCall(call);
    }
    const status = endingOf(this.#finish).items;
    for (const call of this.#openCalls) {
      call.done = true;
      const item = functionCallItem(call.id, status, call.callId, call.name, call.args);
      this.#output[call.index] = item;
      out += this.#emit(
        "response.function_call_arguments.done",
        `${call.where},"name":${JSON.stringify(call.name)},"arguments":${
          JSON.stringify(call.args)
        }`,
      ) +
        this.#emit(
          "response.output_item.done",
          `"output_index":${call.index},"item":${json(item)}`,
        );
    }
    this.#openCalls = [];
    return out;
  }

  #terminal(): string {
    const out = this.#closeItems();
    this.#phase = "ended";
    const ending = endingOf(this.#finish);
    const type = ending.status === "completed" ? "response.completed" : "response.incomplete";
    return out + this.#emit(type, `"response":${this.#snapshot(ending.status, this.#output)}`);
  }

  #failWith(code: string, message: string): string {
    this.#phase = "ended";
    const output = this.#output.slice();
    const text = this.#text;
    if (text !== undefined) {
      output[text.index] = textItem(text.kind, text.id, "incomplete", text.text);
    }
    for (const call of this.#openCalls) {
      output[call.index] = functionCallItem(
        call.id,
        "incomplete",
        call.callId,
        call.name,
        call.args,
      );
    }
    return this.#emit(
      "error",
      `"code":${JSON.stringify(code)},"message":${JSON.stringify(message)},"param":null`,
    ) + this.#emit("response.failed", `"response":${this.#snapshot("failed", output, message)}`);
  }
}

function textItem(kind: TextKind, id: string, status: ItemStatus, text: string | undefined) {
  return kind === "message" ? messageItem(id, status, text) : reasoningItem(id, status, text);
}

function json(value: unknown): string {
  return JSON.stringify(value);
}

/** A backend's in-stream error: `{"message":…}` or a string. */
export function errorText(error: unknown): string {
  if (typeof error === "string") return error;
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : JSON.stringify(error);
}
