/**
 * An in-memory upstream for proxy unit tests: each call to `fetch` opens an exchange the test
 * drives by hand — send headers, push body chunks, end or break the body — while the proxy runs
 * on a FakeClock. A fetch whose signal aborts rejects as a real one does (and breaks a body in
 * progress), so deadlines and client disconnects are observable without sockets or sleeps.
 */

export interface ScriptedExchange {
  readonly url: string;
  readonly init: RequestInit;
  readonly signal: AbortSignal;
  /** Answers with headers; the body stays open until `end()` or `fail()`. */
  respond(status?: number, headers?: Record<string, string>): void;
  /** Answers with a whole body at once. */
  respondWhole(status: number, body: string, headers?: Record<string, string>): void;
  push(text: string): void;
  end(): void;
  fail(error?: Error): void;
  /** The text of the request body. */
  readonly body: string;
}

export class ScriptedFetch {
  readonly exchanges: ScriptedExchange[] = [];
  #waiters: Array<() => void> = [];

  readonly fetch = (url: string, init: RequestInit): Promise<Response> => {
    const signal = init.signal!;
    let resolve!: (response: Response) => void;
    let reject!: (error: unknown) => void;
    const pending = new Promise<Response>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
    let open = true;
    const encoder = new TextEncoder();
    const abort = () => {
      const reason = signal.reason ?? new DOMException("aborted", "AbortError");
      reject(reason);
      if (controller && open) {
        open = false;
        controller.error(reason);
      }
    };
    if (signal.aborted) abort();
    else signal.addEventListener("abort", abort, { once: true });
    const exchange: ScriptedExchange = {
      url,
      init,
      signal,
      body: typeof init.body === "string" ? init.body : "",
      respond(status = 200, headers = { "content-type": "text/event-stream" }) {
        const body = new ReadableStream<Uint8Array>({
          start(c) {
            controller = c;
          },
          cancel() {
            open = false;
          },
        });
        resolve(new Response(body, { status, headers }));
      },
      respondWhole(status, text, headers = { "content-type": "application/json" }) {
        resolve(new Response(text, { status, headers }));
      },
      push(text) {
        if (open) controller!.enqueue(encoder.encode(text));
      },
      end() {
        if (!open) return;
        open = false;
        controller!.close();
      },
      fail(error = new TypeError("connection reset")) {
        if (!open) return;
        open = false;
        controller!.error(error);
      },
    };
    this.exchanges.push(exchange);
    for (const wake of this.#waiters.splice(0)) wake();
    return pending;
  };

  /** The n-th exchange (0-based), once the proxy has opened it. */
  async exchange(n = 0): Promise<ScriptedExchange> {
    while (this.exchanges.length <= n) await new Promise<void>((r) => this.#waiters.push(r));
    return this.exchanges[n]!;
  }
}

/** Lets promise callbacks (and a stream's pull) run to completion. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Reads a stream to its end as text (or until it errors: what arrived so far, and the error).
 * Gives up after `timeoutMs` of real time, so a stream that never ends fails its test instead
 * of hanging it.
 */
export async function readAll(
  stream: ReadableStream<Uint8Array>,
  timeoutMs = 5_000,
): Promise<{ text: string; error?: unknown }> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    for (;;) {
      const read = await Promise.race([reader.read(), timedOut]);
      if (read === "timeout") {
        reader.cancel().catch(() => {});
        return { text, error: new Error(`the stream did not end within ${timeoutMs} ms`) };
      }
      if (read.done) return { text };
      text += decoder.decode(read.value, { stream: true });
    }
  } catch (error) {
    return { text, error };
  } finally {
    clearTimeout(timer);
  }
}
