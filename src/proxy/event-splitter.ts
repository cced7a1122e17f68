/**
 * Cuts decoded upstream text into event payloads for a translator, however the network chunked
 * it. SSE (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):
 * lines end in LF, CRLF or CR; `data:` lines of one event join with LF; a blank line dispatches;
 * comments (`:`) and other fields are not payload. NDJSON: one payload per non-empty line.
 * @module
 */

export class EventSplitter {
  readonly #framing: "sse" | "ndjson";
  /** The line not yet ended. */
  #partial = "";
  /** `data` lines of the SSE event being read. */
  #data: string[] = [];
  /** The previous chunk ended in CR: a LF starting this one belongs to it. */
  #afterCr = false;

  constructor(framing: "sse" | "ndjson") {
    this.#framing = framing;
  }

  /** The payloads completed by `text`, in order. */
  push(text: string): string[] {
    const whole = this.#wholeEvent(text);
    if (whole !== undefined) return [whole];
    const out: string[] = [];
    let start = 0;
    if (this.#afterCr && text.charCodeAt(0) === 10) start = 1;
    this.#afterCr = false;
    // Almost every server ends lines with LF alone: find them natively, not a character at a time.
    if (text.indexOf("\r", start) === -1) {
      for (let end = text.indexOf("\n", start); end !== -1; end = text.indexOf("\n", start)) {
        this.#line(this.#partial + text.slice(start, end), out);
        this.#partial = "";
        start = end + 1;
      }
      this.#partial += text.slice(start);
      return out;
    }
    for (let i = start; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code !== 10 && code !== 13) continue;
      this.#line(this.#partial + text.slice(start, i), out);
      this.#partial = "";
      if (code === 13) {
        if (i + 1 === text.length) this.#afterCr = true;
        else if (text.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
    }
    this.#partial += text.slice(start);
    return out;
  }

  /**
   * The payload when `text` is exactly one whole event, `data: X\n\n`, and nothing is pending:
   * how a backend streams, one event per network chunk. The general path below gives the same
   * payload after a concatenation, a slice and two calls per line (a third of a translated
   * event's cost outside the translator, issue 23).
   */
  #wholeEvent(text: string): string | undefined {
    if (this.#framing !== "sse" || this.#partial !== "" || this.#data.length > 0) return undefined;
    if (this.#afterCr || !text.startsWith("data: ")) return undefined;
    const end = text.length - 2;
    if (text.indexOf("\n", 6) !== end || text.charCodeAt(end + 1) !== 10) return undefined;
    return text.indexOf("\r", 6) === -1 ? text.slice(6, end) : undefined;
  }

  /** At the end of the stream: an unterminated last line or event, if any. */
  flush(): string | undefined {
    const out: string[] = [];
    if (this.#partial !== "") this.#line(this.#partial, out);
    this.#partial = "";
    if (this.#framing === "sse" && this.#data.length > 0) {
      out.push(this.#data.join("\n"));
      this.#data = [];
    }
    return out[0];
  }

  #line(line: string, out: string[]): void {
    if (this.#framing === "ndjson") {
      if (line.trim() !== "") out.push(line);
      return;
    }
    if (line === "") {
      const data = this.#data;
      if (data.length === 1) out.push(data[0]!);
      else if (data.length > 1) out.push(data.join("\n"));
      data.length = 0;
      return;
    }
    if (line.startsWith("data:")) {
      const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
      this.#data.push(value);
    }
    // Comments, `event:`, `id:` and `retry:` carry no payload for a translator.
  }
}
