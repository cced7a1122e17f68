/**
 * An HTTP/1.1 server on a real loopback socket that serves like llama-server (cpp-httplib): a
 * fixed pool of N worker threads, each serving one accepted connection at a time, for as long as
 * that connection stays open. An idle keep-alive connection keeps its worker until the client
 * closes it, the keep-alive timeout passes (httplib: 5 s) or it has served its keep-alive maximum
 * (httplib: 100 requests; 5 in older builds); a connection that says `Connection: close` is
 * closed after its response. Connections beyond N wait, accepted, in a FIFO queue. llama-server
 * runs max(slots + 2, cores − 1) threads: 3 on a ≤ 4-core box with one slot.
 *
 * Requests are answered by a web-standard handler (the mock LLM server's, usually); every
 * connection is recorded, so a test can see who held a worker, for how long, and who waited.
 * `withSlots` adds llama-server's other limit: completions run `slots` at a time.
 *
 * Limits of the mock: request bodies need `Content-Length` (fetch sends one for string bodies);
 * response bodies go out chunked.
 * @module
 */
import { createServer, type Server, type Socket } from "node:net";

export interface ThreadPoolServerOptions {
  /** Connections served at once. */
  readonly threads: number;
  /** A served connection idle this long after a response is closed. @default 5000 */
  readonly keepAliveMs?: number;
  /** Requests one connection may carry before it is closed. @default 100 */
  readonly keepAliveMaxCount?: number;
  readonly handler: (request: Request) => Response | Promise<Response>;
}

export interface ConnectionRecord {
  readonly id: number;
  /** `performance.now()` ms. */
  readonly acceptedAt: number;
  /** Every worker was taken when it arrived: it had to wait in the queue. */
  readonly waited: boolean;
  /** When a worker took it; undefined while it waits in the queue. */
  servedAt: number | undefined;
  closedAt: number | undefined;
  /** Who ended it: the client, the server after `Connection: close`, or the keep-alive limits. */
  closedBy: "client" | "connection-close" | "keep-alive-timeout" | "keep-alive-max" | undefined;
  /**
   * The first bytes the client sent (up to 4 KiB), kept even while the connection waits for a
   * worker: who it is, before it is served.
   */
  preview: string;
  /** Request lines and lower-case headers, in order. */
  readonly requests: { method: string; path: string; headers: Record<string, string> }[];
}

export interface ThreadPoolServer {
  readonly url: string;
  readonly port: number;
  readonly connections: readonly ConnectionRecord[];
  /** Connections holding a worker now. */
  served(): number;
  /** Connections accepted and waiting for a worker now. */
  queued(): number;
  close(): Promise<void>;
}

const HEAD_END = "\r\n\r\n";
const PREVIEW_CHARS = 4096;
const FRAMING = new Set(["connection", "content-length", "transfer-encoding", "keep-alive"]);

export async function startThreadPoolServer(
  options: ThreadPoolServerOptions,
): Promise<ThreadPoolServer> {
  const keepAliveMs = options.keepAliveMs ?? 5000;
  const maxCount = options.keepAliveMaxCount ?? 100;
  const connections: ConnectionRecord[] = [];
  const queue: Connection[] = [];
  const sockets = new Set<Socket>();
  let busy = 0;

  const dispatch = () => {
    while (busy < options.threads && queue.length > 0) {
      const next = queue.shift()!;
      if (next.record.closedAt !== undefined) continue;
      busy++;
      next.serve(() => {
        busy--;
        dispatch();
      });
    }
  };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    const record: ConnectionRecord = {
      id: connections.length,
      acceptedAt: performance.now(),
      waited: busy >= options.threads,
      servedAt: undefined,
      closedAt: undefined,
      closedBy: undefined,
      preview: "",
      requests: [],
    };
    connections.push(record);
    const connection = new Connection(socket, record, options.handler, keepAliveMs, maxCount);
    socket.on("close", () => sockets.delete(socket));
    queue.push(connection);
    dispatch();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connections,
    served: () => busy,
    queued: () => queue.filter((c) => c.record.closedAt === undefined).length,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One accepted connection: buffered until a worker serves it, then requests one by one. */
class Connection {
  #buffer: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  #wake: (() => void) | undefined;
  #ended = false;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #body: ReadableStreamDefaultReader<Uint8Array> | undefined;

  constructor(
    readonly socket: Socket,
    readonly record: ConnectionRecord,
    readonly handler: ThreadPoolServerOptions["handler"],
    readonly keepAliveMs: number,
    readonly maxCount: number,
  ) {
    socket.on("data", (data: Uint8Array) => {
      if (record.preview.length < PREVIEW_CHARS) {
        record.preview += new TextDecoder().decode(data).slice(0, PREVIEW_CHARS);
      }
      const joined = new Uint8Array(this.#buffer.length + data.length);
      joined.set(this.#buffer);
      joined.set(data, this.#buffer.length);
      this.#buffer = joined;
      this.#wake?.();
    });
    const ended = () => this.#end("client");
    socket.on("end", ended);
    socket.on("close", ended);
    socket.on("error", ended);
  }

  /** The worker's loop; `release` frees the worker when the connection is over. */
  serve(release: () => void): void {
    this.record.servedAt = performance.now();
    void this.#loop().finally(release);
  }

  async #loop(): Promise<void> {
    while (!this.#ended) {
      const request = await this.#nextRequest();
      if (!request) return;
      const asked = this.record.requests.at(-1)!.headers.connection?.toLowerCase();
      const closeBy = asked === "close"
        ? "connection-close"
        : this.record.requests.length >= this.maxCount
        ? "keep-alive-max"
        : undefined;
      let response: Response;
      try {
        response = await this.handler(request);
      } catch {
        response = new Response("mock handler failed", { status: 500 });
      }
      await this.#write(response, closeBy !== undefined);
      if (closeBy) return this.#end(closeBy);
      this.#idleTimer = setTimeout(() => this.#end("keep-alive-timeout"), this.keepAliveMs);
    }
  }

  async #nextRequest(): Promise<Request | undefined> {
    let head = -1;
    let length = 0;
    while (!this.#ended) {
      const text = new TextDecoder().decode(this.#buffer);
      head = text.indexOf(HEAD_END);
      if (head >= 0) {
        length = Number(/\r\ncontent-length: *(\d+)/i.exec(text.slice(0, head))?.[1] ?? 0);
        const headBytes = new TextEncoder().encode(text.slice(0, head + HEAD_END.length)).length;
        if (this.#buffer.length >= headBytes + length) {
          clearTimeout(this.#idleTimer);
          const body = this.#buffer.slice(headBytes, headBytes + length);
          this.#buffer = this.#buffer.slice(headBytes + length);
          return this.#parse(text.slice(0, head), body);
        }
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
    return undefined;
  }

  #parse(head: string, body: Uint8Array<ArrayBuffer>): Request {
    const [line, ...fields] = head.split("\r\n");
    const [method = "GET", path = "/"] = line!.split(" ");
    const headers: Record<string, string> = {};
    for (const field of fields) {
      const colon = field.indexOf(":");
      if (colon > 0) {
        headers[field.slice(0, colon).trim().toLowerCase()] = field.slice(colon + 1).trim();
      }
    }
    this.record.requests.push({ method, path, headers });
    // Framing headers belong to this connection, not to the handler's Request.
    const kept = Object.entries(headers).filter(([name]) => !FRAMING.has(name));
    return new Request(`http://127.0.0.1${path}`, {
      method,
      headers: kept,
      ...(method === "GET" || method === "HEAD" ? {} : { body }),
    });
  }

  async #write(response: Response, close: boolean): Promise<void> {
    const head = [`HTTP/1.1 ${response.status} ${response.statusText || "OK"}`];
    response.headers.forEach((value, name) => {
      if (name !== "content-length" && name !== "transfer-encoding") head.push(`${name}: ${value}`);
    });
    head.push("transfer-encoding: chunked", `connection: ${close ? "close" : "keep-alive"}`);
    this.#send(head.join("\r\n") + HEAD_END);
    if (response.body) {
      this.#body = response.body.getReader();
      try {
        while (!this.#ended) {
          const { done, value } = await this.#body.read();
          if (done) break;
          if (value.length > 0) {
            this.#send(`${value.length.toString(16)}\r\n`);
            this.#send(value);
            this.#send("\r\n");
          }
        }
      } catch {
        // The handler's stream failed: the connection ends below without a last chunk.
        return this.#end("connection-close");
      } finally {
        this.#body = undefined;
      }
    }
    this.#send("0\r\n\r\n");
  }

  #send(data: string | Uint8Array): void {
    if (!this.#ended) this.socket.write(data);
  }

  #end(by: NonNullable<ConnectionRecord["closedBy"]>): void {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#idleTimer);
    this.record.closedAt = performance.now();
    this.record.closedBy = by;
    this.#body?.cancel().catch(() => {});
    this.#wake?.();
    if (by === "client") this.socket.destroy();
    else this.socket.end();
  }
}

/**
 * llama-server's slots: completions (`POST …/completions`) run `slots` at a time and wait in
 * order for one; a completion holds its slot until its body ends or its client leaves. `/props`
 * says so in `total_slots`, as llama-server's does.
 */
export function withSlots(
  handler: ThreadPoolServerOptions["handler"],
  slots: number,
): ThreadPoolServerOptions["handler"] {
  let free = slots;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else free++;
  };
  return async (request) => {
    const path = new URL(request.url).pathname;
    if (request.method === "GET" && path === "/props") {
      const response = await handler(request);
      if (!response.ok) return response;
      return Response.json({ ...await response.json(), total_slots: slots });
    }
    if (request.method !== "POST" || !path.endsWith("/completions")) return handler(request);
    if (free > 0) free--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    const response = await handler(request);
    if (!response.body) {
      release();
      return response;
    }
    const reader = response.body.getReader();
    let released = false;
    const done = () => {
      if (!released) release();
      released = true;
    };
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done: finished, value } = await reader.read().catch(() => ({
          done: true,
          value: undefined,
        }));
        if (finished) {
          done();
          controller.close();
        } else {
          controller.enqueue(value);
        }
      },
      cancel(reason) {
        done();
        return reader.cancel(reason);
      },
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
}
