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
 * order items are added. Text and reasoning are one item at a time (`TextItem`); tool calls
 * stay open until the finish chunk (`CallItems`).
 *
 * A failure ends the stream with an `error` event (the openai SDK's `responses.stream()` rejects
 * on it) and `response.failed` (what Codex reads); items still open are not closed, so no client
 * runs a tool call whose arguments were cut short.
 * @module
 */
import { type Failure, failure } from "../../../lib/failures.ts";
import type { StreamTranslator } from "../../contract.ts";
import { CallItems } from "./call-items.ts";
import { errorFields } from "./dialect.ts";
import { responseJson, type ResponseStatus } from "./envelope.ts";
import type { IdSource } from "./ids.ts";
import { endingOf, reasoningOf } from "./items.ts";
import { OutputLog } from "./output-log.ts";
import { TextItem } from "./text-item.ts";
import { type ResponsesUsage, responsesUsage } from "./usage.ts";

export interface StreamContext {
  readonly ids: IdSource;
  /** The request settings echoed in every Response snapshot (`echoOf`). */
  readonly echo: string;
  /** The model name, until the backend's first chunk names it. */
  readonly model: string;
}

interface ChatDelta {
  content?: unknown;
  reasoning_content?: unknown;
  reasoning?: unknown;
  tool_calls?: unknown;
}

interface ChatChunk {
  created?: unknown;
  model?: unknown;
  error?: unknown;
  usage?: unknown;
  choices?: Array<{ delta?: ChatDelta | null; finish_reason?: unknown } | undefined | null>;
}

export class ResponsesStream implements StreamTranslator {
  readonly contentType = "text/event-stream";
  readonly #context: StreamContext;
  readonly #log = new OutputLog();
  readonly #text: TextItem;
  readonly #calls: CallItems;
  readonly #closeText = () => this.#text.close(this.#itemStatus());
  #phase: "new" | "open" | "ended" = "new";
  #responseId = "";
  #createdAt = 0;
  #model: string;
  #finish: unknown = undefined;
  #usage: ResponsesUsage | undefined;

  constructor(context: StreamContext) {
    this.#context = context;
    this.#model = context.model;
    this.#text = new TextItem(this.#log, context.ids);
    this.#calls = new CallItems(this.#log, context.ids);
  }

  event(data: string): string {
    if (this.#phase === "ended") return "";
    if (data === "[DONE]") return this.#start(undefined) + this.#terminal();
    let chunk: ChatChunk | null;
    try {
      chunk = JSON.parse(data);
    } catch {
      return this.#start(undefined) + this.#failWith(broken("a stream event that is not JSON"));
    }
    if (typeof chunk !== "object" || chunk === null) {
      return this.#start(undefined) +
        this.#failWith(broken("a stream event that is not an object"));
    }
    let out = this.#start(chunk);
    if (chunk.error !== undefined && chunk.error !== null) {
      return out +
        this.#failWith(failure("upstream_failed", `the backend failed: ${errorText(chunk.error)}`));
    }
    if (typeof chunk.usage === "object" && chunk.usage !== null) {
      this.#usage = responsesUsage(chunk.usage) ?? this.#usage;
    }
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (choice === undefined || choice === null) return out;
    const delta = choice.delta;
    if (delta) {
      const status = this.#itemStatus();
      const reasoning = reasoningOf(delta);
      if (reasoning !== "") out += this.#text.delta("reasoning", reasoning, status);
      const content = delta.content;
      if (typeof content === "string" && content !== "") {
        out += this.#text.delta("message", content, status);
      }
      const calls = delta.tool_calls;
      if (Array.isArray(calls)) {
        for (let i = 0; i < calls.length; i++) {
          out += this.#calls.delta(calls[i], i, this.#closeText);
        }
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

  fail(reason: Failure): string {
    if (this.#phase === "ended") return "";
    return this.#start(undefined) + this.#failWith(reason);
  }

  /** How items end: `incomplete` when the answer was cut by its token limit or a filter. */
  #itemStatus() {
    return endingOf(this.#finish).items;
  }

  #start(chunk: ChatChunk | undefined): string {
    if (this.#phase !== "new") return "";
    this.#phase = "open";
    const { ids } = this.#context;
    this.#responseId = ids.id("resp_");
    this.#createdAt = typeof chunk?.created === "number" ? chunk.created : ids.nowSeconds();
    if (typeof chunk?.model === "string" && chunk.model !== "") this.#model = chunk.model;
    const response = this.#snapshot("in_progress", []);
    return this.#log.emit("response.created", `"response":${response}`) +
      this.#log.emit("response.in_progress", `"response":${response}`);
  }

  #snapshot(status: ResponseStatus, output: readonly unknown[], error?: string): string {
    return responseJson({
      id: this.#responseId,
      createdAt: this.#createdAt,
      model: this.#model,
      status,
      output,
      usage: this.#usage,
      incomplete: status === "incomplete" ? endingOf(this.#finish).incomplete : undefined,
      error: error === undefined ? undefined : { code: "server_error", message: error },
    }, this.#context.echo);
  }

  /** Text first (it was added first), then every call. */
  #closeItems(): string {
    return this.#closeText() + this.#calls.close(this.#itemStatus(), this.#closeText);
  }

  #terminal(): string {
    const out = this.#closeItems();
    this.#phase = "ended";
    const { status } = endingOf(this.#finish);
    const type = status === "completed" ? "response.completed" : "response.incomplete";
    return out + this.#log.emit(type, `"response":${this.#snapshot(status, this.#log.done)}`);
  }

  #failWith(reason: Failure): string {
    const message = reason.message;
    this.#phase = "ended";
    const output = this.#log.done.slice();
    const text = this.#text.partial();
    if (text !== undefined) output[text.index] = text.item;
    for (const call of this.#calls.partial()) output[call.index] = call.item;
    return this.#log.emit("error", errorFields(reason)) +
      this.#log.emit("response.failed", `"response":${this.#snapshot("failed", output, message)}`);
  }
}

function broken(what: string): Failure {
  return failure("upstream_failed", `the backend sent ${what}`);
}

/** A backend's in-stream error: `{"message":…}` or a string. */
export function errorText(error: unknown): string {
  if (typeof error === "string") return error;
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : JSON.stringify(error);
}
