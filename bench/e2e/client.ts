/**
 * The load side: one request, one stream, one aborted request, each timed from this process.
 * Times that are compared with the mock's `x_sent_ms` stamps use the wall clock shared by every
 * process (`performance.timeOrigin + performance.now()`), everything else the monotonic clock.
 * @module
 */

export interface RequestSpec {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Milliseconds on the clock the mock stamps its chunks with. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

export interface PostResult {
  readonly ms: number;
  readonly status: number;
  readonly bytes: number;
}

/** A non-stream request, timed from send to the last byte of the body. */
export async function postOnce(spec: RequestSpec): Promise<PostResult> {
  const started = performance.now();
  const response = await fetch(spec.url, {
    method: "POST",
    headers: spec.headers,
    body: spec.body,
  });
  const body = await response.arrayBuffer();
  return { ms: performance.now() - started, status: response.status, bytes: body.byteLength };
}

export interface StreamResult {
  readonly status: number;
  /** Send → first body bytes, ms. */
  readonly ttftMs: number;
  /** Stamped events (those carrying x_seq), in arrival order. */
  readonly stamped: number;
  /** Every SSE event (text between blank lines), including `[DONE]`. */
  readonly events: number;
  /** x_seq went 0, 1, 2 … with no gap, duplicate or reordering. */
  readonly inOrder: boolean;
  /** Client receive time − mock send time of each stamped event, ms. */
  readonly delays: number[];
  readonly bytes: number;
  /** The body with per-request values (id, created, x_sent_ms) masked, for byte comparison. */
  readonly normalized: string;
}

const STAMP = /"x_seq":(\d+),"x_sent_ms":([0-9.]+)/;

/** Masks what legitimately differs between two answers of the mock: ids, clocks. */
export function normalizeSse(text: string): string {
  return text
    .replace(/"id":"chatcmpl-[A-Za-z0-9]+"/g, '"id":"chatcmpl-X"')
    .replace(/"id":"call_[A-Za-z0-9]+"/g, '"id":"call_X"')
    .replace(/"created":\d+/g, '"created":0')
    .replace(/"x_sent_ms":[0-9.]+/g, '"x_sent_ms":0');
}

export interface StreamOptions {
  readonly signal?: AbortSignal;
  /** Called on every stamped event with its sequence number (to abort mid-stream). */
  readonly onEvent?: (seq: number) => void;
}

/** A streamed request read to its end (or until aborted), every event timed as it arrives. */
export async function streamOnce(
  spec: RequestSpec,
  options: StreamOptions = {},
): Promise<StreamResult> {
  const started = performance.now();
  const response = await fetch(spec.url, {
    method: "POST",
    headers: spec.headers,
    body: spec.body,
    signal: options.signal,
  });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let ttftMs = Number.NaN;
  let text = "";
  let pending = "";
  let bytes = 0;
  let events = 0;
  let expected = 0;
  let inOrder = true;
  const delays: number[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const receivedAt = wallNow();
    if (Number.isNaN(ttftMs)) ttftMs = performance.now() - started;
    bytes += value.byteLength;
    const chunk = decoder.decode(value, { stream: true });
    text += chunk;
    pending += chunk;
    let end: number;
    while ((end = pending.indexOf("\n\n")) >= 0) {
      const event = pending.slice(0, end);
      pending = pending.slice(end + 2);
      events++;
      const stamp = STAMP.exec(event);
      if (!stamp) continue;
      const seq = Number(stamp[1]);
      if (seq !== expected) inOrder = false;
      expected = seq + 1;
      delays.push(receivedAt - Number(stamp[2]));
      options.onEvent?.(seq);
    }
  }
  return {
    status: response.status,
    ttftMs,
    stamped: delays.length,
    events,
    inOrder: inOrder && pending === "",
    delays,
    bytes,
    normalized: normalizeSse(text),
  };
}

/** Runs `total` jobs with `concurrency` workers; returns the results in completion order. */
export async function pool<T>(
  total: number,
  concurrency: number,
  job: (index: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) results.push(await job(next++));
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return results;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
