/**
 * The events stream (`GET /ui/events`): each browser gets one snapshot, then deltas at most every
 * `FLUSH_MS`. One timer serves every browser and runs only while one is connected; each delta is
 * built and encoded once and enqueued to all of them. A browser that stops reading is dropped
 * once `CLIENT_BACKLOG` messages wait for it (it reconnects and gets a fresh snapshot).
 * @module
 */
import type { Clock, TimerHandle } from "../lib/clock.ts";
import type { DashboardState } from "./state.ts";

/** Two updates a second per browser, at most. */
export const FLUSH_MS = 500;
/** A comment line this often keeps idle connections (and proxies) from timing out. */
const PING_MS = 15_000;
/** Messages queued for one browser before it counts as gone. */
const CLIENT_BACKLOG = 64;

/** What a browser may do (the admin rules, seen from its address). */
export type AdminMode = "local" | "token" | "off";

const encoder = new TextEncoder();

class Client {
  controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  open = true;

  constructor(readonly admin: AdminMode) {}
}

export class EventHub {
  readonly #state: DashboardState;
  readonly #clock: Clock;
  readonly #clients = new Set<Client>();
  #timer: TimerHandle | undefined;
  #lastSentAt = 0;

  constructor(state: DashboardState, clock: Clock) {
    this.#state = state;
    this.#clock = clock;
  }

  get clients(): number {
    return this.#clients.size;
  }

  /** The SSE response for one browser; it ends when the browser goes away. */
  connect(admin: AdminMode, signal: AbortSignal): Response {
    const client = new Client(admin);
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        client.controller = controller;
        this.#join(client);
      },
      cancel: () => this.#leave(client),
    }, new CountQueuingStrategy({ highWaterMark: CLIENT_BACKLOG }));
    signal.addEventListener("abort", () => this.#leave(client), { once: true });
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-store",
        "x-accel-buffering": "no",
        "x-content-type-options": "nosniff",
      },
    });
  }

  /** Ends every stream (shutdown). */
  closeAll(): void {
    for (const client of [...this.#clients]) {
      this.#leave(client);
      try {
        client.controller?.close();
      } catch {
        // Already closed by the browser.
      }
    }
  }

  #join(client: Client): void {
    const snapshot = frame("snapshot", this.#state.snapshot(client.admin));
    if (this.#clients.size === 0) this.#state.watch(true);
    this.#clients.add(client);
    this.#send(client, encoder.encode(`retry: 2000\n\n${snapshot}`));
    this.#schedule();
  }

  #leave(client: Client): void {
    if (!client.open) return;
    client.open = false;
    this.#clients.delete(client);
    if (this.#clients.size > 0) return;
    this.#state.watch(false);
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#clients.size === 0) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#flush();
      this.#schedule();
    }, FLUSH_MS);
  }

  /** One delta for every browser, built once; a comment when nothing changed for a while. */
  #flush(): void {
    const deltas = this.#state.deltas();
    const now = this.#clock.monotonic();
    let text = "";
    for (const [event, data] of deltas) text += frame(event, data);
    if (text === "" && now - this.#lastSentAt >= PING_MS) text = ": ping\n\n";
    if (text === "") return;
    this.#lastSentAt = now;
    const bytes = encoder.encode(text);
    for (const client of [...this.#clients]) this.#send(client, bytes);
  }

  #send(client: Client, bytes: Uint8Array): void {
    const controller = client.controller;
    if (!client.open || controller === undefined) return;
    if ((controller.desiredSize ?? 0) <= 0) {
      // The browser stopped reading: drop it rather than buffer without bound.
      this.#leave(client);
      try {
        controller.close();
      } catch {
        // Already gone.
      }
      return;
    }
    try {
      controller.enqueue(bytes);
    } catch {
      this.#leave(client);
    }
  }
}

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
