/**
 * The message or reasoning item being streamed, one at a time: opened on its first delta
 * (`output_item.added`, `content_part.added`), grown by `output_text.delta` or
 * `reasoning_text.delta`, closed with the `…done` events that repeat the whole text.
 * @module
 */
import type { IdSource } from "./ids.ts";
import { type ItemStatus, messageItem, outputText, reasoningItem, reasoningText } from "./items.ts";
import { json, type OutputLog } from "./output-log.ts";

export type TextKind = "message" | "reasoning";

interface Open {
  readonly kind: TextKind;
  readonly id: string;
  readonly index: number;
  /** `"item_id":…,"output_index":…,"content_index":0`, written once per item. */
  readonly where: string;
  text: string;
}

export class TextItem {
  readonly #log: OutputLog;
  readonly #ids: IdSource;
  #open: Open | undefined;

  constructor(log: OutputLog, ids: IdSource) {
    this.#log = log;
    this.#ids = ids;
  }

  /** Adds `delta` to the open item of `kind`, closing one of the other kind first. */
  delta(kind: TextKind, delta: string, status: ItemStatus): string {
    const log = this.#log;
    let out = "";
    if (this.#open !== undefined && this.#open.kind !== kind) out += this.close(status);
    let item = this.#open;
    if (item === undefined) {
      item = this.#start(kind);
      out += log.added(item.index, itemOf(kind, item.id, "in_progress", undefined));
      const part = kind === "message" ? outputText("") : reasoningText("");
      out += log.emit("response.content_part.added", `${item.where},"part":${json(part)}`);
    }
    item.text += delta;
    const text = JSON.stringify(delta);
    return out +
      (kind === "message"
        ? log.emit("response.output_text.delta", `${item.where},"delta":${text},"logprobs":[]`)
        : log.emit("response.reasoning_text.delta", `${item.where},"delta":${text}`));
  }

  close(status: ItemStatus): string {
    const item = this.#open;
    if (item === undefined) return "";
    this.#open = undefined;
    const log = this.#log;
    const text = JSON.stringify(item.text);
    const part = item.kind === "message" ? outputText(item.text) : reasoningText(item.text);
    const textDone = item.kind === "message"
      ? log.emit("response.output_text.done", `${item.where},"text":${text},"logprobs":[]`)
      : log.emit("response.reasoning_text.done", `${item.where},"text":${text}`);
    return textDone +
      log.emit("response.content_part.done", `${item.where},"part":${json(part)}`) +
      log.finished(item.index, itemOf(item.kind, item.id, status, item.text));
  }

  /** The open item as it stands (a failed response lists it), with its output index. */
  partial(): { index: number; item: unknown } | undefined {
    const item = this.#open;
    return item && { index: item.index, item: itemOf(item.kind, item.id, "incomplete", item.text) };
  }

  #start(kind: TextKind): Open {
    const id = this.#ids.id(kind === "message" ? "msg_" : "rs_");
    const index = this.#log.nextIndex();
    const where = `"item_id":${JSON.stringify(id)},"output_index":${index},"content_index":0`;
    this.#open = { kind, id, index, where, text: "" };
    return this.#open;
  }
}

function itemOf(kind: TextKind, id: string, status: ItemStatus, text: string | undefined) {
  return kind === "message" ? messageItem(id, status, text) : reasoningItem(id, status, text);
}
