/**
 * What the proxy notes about a response body on its way to the client, for metrics and logs:
 * how many SSE events were relayed, and the body's last bytes (where an OpenAI stream puts its
 * `usage` event). Nothing is decoded or parsed: events are counted by scanning for blank lines
 * with the native `indexOf`, because network chunks are an accident of buffering (a fast backend's
 * whole stream can arrive as one). A stream's tail is a copy, so the chunks handed to the runtime
 * stay untouched and unreferenced.
 * @module
 */

/** Enough for a final `usage` chunk plus `data: [DONE]` (OpenAI's is ~500 bytes). */
export const TAIL_BYTES = 1024;
const LF = 10;
const CR = 13;

export class ResponseTap {
  /** SSE events relayed to the client, `data: [DONE]` included (streams only). */
  events = 0;
  /** The upstream streams NDJSON (Ollama's native API): each line is an event. */
  ndjson = false;
  /** Set when a streaming pass-through was committed: its end resolves `done` later. */
  streaming = false;
  /** A non-stream JSON body, already parsed by the proxy (it checks the JSON to fail over). */
  json: unknown = undefined;
  #tail: Uint8Array | undefined;
  #length = 0;
  /** The last two bytes seen, for a blank line split across chunks. */
  #last = 0;
  #beforeLast = 0;

  /** A non-stream body, read whole by the proxy: kept as a view, not copied. */
  setBody(bytes: Uint8Array, json?: unknown): void {
    this.#tail = bytes;
    this.#length = bytes.length;
    this.json = json;
  }

  /** Notes one relayed stream chunk: a newline scan and a copy of at most TAIL_BYTES. */
  push(chunk: Uint8Array): void {
    this.#countEvents(chunk);
    const tail = this.#tail ??= new Uint8Array(TAIL_BYTES);
    const size = chunk.length;
    if (size >= TAIL_BYTES) {
      tail.set(chunk.subarray(size - TAIL_BYTES));
      this.#length = TAIL_BYTES;
      return;
    }
    const keep = Math.min(this.#length, TAIL_BYTES - size);
    if (keep < this.#length) tail.copyWithin(0, this.#length - keep, this.#length);
    tail.set(chunk, keep);
    this.#length = keep + size;
  }

  /**
   * An SSE event ends at a blank line: LF LF, or LF CR LF (SSE allows CRLF line ends); an NDJSON
   * event at the end of a non-empty line.
   */
  #countEvents(chunk: Uint8Array): void {
    const size = chunk.length;
    if (size === 0) return;
    for (let i = chunk.indexOf(LF); i !== -1; i = chunk.indexOf(LF, i + 1)) {
      const prev = i >= 1 ? chunk[i - 1] : this.#last;
      if (this.ndjson) {
        if (prev !== LF) this.events++;
      } else if (prev === LF) {
        this.events++;
      } else if (prev === CR) {
        const beforePrev = i >= 2 ? chunk[i - 2] : i === 1 ? this.#last : this.#beforeLast;
        if (beforePrev === LF) this.events++;
      }
    }
    this.#beforeLast = size >= 2 ? chunk[size - 2]! : this.#last;
    this.#last = chunk[size - 1]!;
  }

  /** The whole non-stream body, or the last TAIL_BYTES of a stream (empty when nothing came). */
  bytes(): Uint8Array {
    return this.#tail === undefined ? EMPTY : this.#tail.subarray(0, this.#length);
  }
}

const EMPTY = new Uint8Array(0);
