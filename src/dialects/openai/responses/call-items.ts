/**
 * The function calls of a streamed answer, keyed by the chat `index` of their deltas. A call is
 * added once its name is known (arguments sent before it wait), then streams
 * `function_call_arguments.delta`; every call stays open until the finish chunk, because a
 * backend may interleave several calls' arguments. `id` and `name` are taken as sent, last one
 * wins (some servers repeat them whole in every chunk, as the openai SDK's accumulator allows);
 * only arguments are concatenated.
 * @module
 */
import type { IdSource } from "./ids.ts";
import { functionCallItem, type ItemStatus } from "./items.ts";
import type { OutputLog } from "./output-log.ts";

interface Call {
  /** -1 until the call is added. */
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

export interface ToolCallDelta {
  index?: unknown;
  id?: unknown;
  function?: { name?: unknown; arguments?: unknown } | null;
}

export class CallItems {
  readonly #log: OutputLog;
  readonly #ids: IdSource;
  readonly #calls = new Map<number, Call>();
  #open: Call[] = [];

  constructor(log: OutputLog, ids: IdSource) {
    this.#log = log;
    this.#ids = ids;
  }

  /**
   * One entry of a chunk's `tool_calls`; `position` stands in for a missing `index`. `beforeAdd`
   * runs before a call is added (the open text item ends there, as in OpenAI's streams).
   */
  delta(raw: unknown, position: number, beforeAdd: () => string): string {
    if (typeof raw !== "object" || raw === null) return "";
    const delta = raw as ToolCallDelta;
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
    return call.name === "" ? "" : beforeAdd() + this.#add(call);
  }

  /** Ends every call: those never named are added first (the model's output, not dropped). */
  close(status: ItemStatus, beforeAdd: () => string): string {
    let out = "";
    for (const call of this.#calls.values()) {
      if (call.index < 0 && !call.done) out += beforeAdd() + this.#add(call);
    }
    const log = this.#log;
    for (const call of this.#open) {
      call.done = true;
      const item = functionCallItem(call.id, status, call.callId, call.name, call.args);
      const fields = `${call.where},"name":${JSON.stringify(call.name)},` +
        `"arguments":${JSON.stringify(call.args)}`;
      out += log.emit("response.function_call_arguments.done", fields) +
        log.finished(call.index, item);
    }
    this.#open = [];
    return out;
  }

  /** The calls still open (a failed response lists them, arguments as far as they came). */
  partial(): Array<{ index: number; item: unknown }> {
    return this.#open.map((call) => ({
      index: call.index,
      item: functionCallItem(call.id, "incomplete", call.callId, call.name, call.args),
    }));
  }

  #add(call: Call): string {
    const ids = this.#ids;
    call.index = this.#log.nextIndex();
    call.id = ids.id("fc_");
    if (call.callId === "") call.callId = ids.id("call_");
    call.where = `"item_id":${JSON.stringify(call.id)},"output_index":${call.index}`;
    this.#open.push(call);
    const added = functionCallItem(call.id, "in_progress", call.callId, call.name, "");
    const out = this.#log.added(call.index, added);
    const pending = call.pending;
    call.pending = "";
    return pending === "" ? out : out + this.#arguments(call, pending);
  }

  #arguments(call: Call, piece: string): string {
    call.args += piece;
    return this.#log.emit(
      "response.function_call_arguments.delta",
      `${call.where},"delta":${JSON.stringify(piece)}`,
    );
  }
}
