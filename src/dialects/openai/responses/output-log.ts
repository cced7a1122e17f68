/**
 * What a Responses stream has said so far: the running `sequence_number`, the output indexes
 * handed out, and the items already done. Every event goes out through `emit`, so sequence
 * numbers are strictly increasing whichever item writes.
 * @module
 */

export class OutputLog {
  #seq = 0;
  #nextIndex = 0;
  /** Done items, by output index. */
  readonly done: unknown[] = [];

  /** One SSE event: `event:` names the type, as OpenAI's streams do; `fields` is a JSON fragment. */
  emit(type: string, fields: string): string {
    return `event: ${type}\ndata: {"type":"${type}","sequence_number":${this
      .#seq++},${fields}}\n\n`;
  }

  /** The output index of the next item added. */
  nextIndex(): number {
    return this.#nextIndex++;
  }

  added(index: number, item: unknown): string {
    return this.emit("response.output_item.added", `"output_index":${index},"item":${json(item)}`);
  }

  finished(index: number, item: unknown): string {
    this.done[index] = item;
    return this.emit("response.output_item.done", `"output_index":${index},"item":${json(item)}`);
  }
}

export function json(value: unknown): string {
  return JSON.stringify(value);
}
