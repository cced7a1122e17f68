/**
 * HTTP/1.x by hand over a loopback TCP socket (node:net, so Bun and Deno alike), for what fetch
 * cannot send or see: a `Host` or `Origin` of our choosing, HTTP/1.0 without `Host`, pipelined
 * requests, a body that stops half-way, and whether the server closed the connection.
 */
import { connect, type Socket } from "node:net";

export interface RawResult {
  /** Everything the server sent. */
  readonly text: string;
  /** The server closed the connection (before `closeWaitMs` ran out). */
  readonly closed: boolean;
  /** The status of each response, in order. */
  readonly statuses: number[];
}

export interface RawOptions {
  /** Resolve once this holds for what arrived (default: one complete response head and body). */
  readonly until?: (text: string) => boolean;
  /** After `until`, how long to wait for the server to close; 0: do not wait. */
  readonly closeWaitMs?: number;
  /** Give up (and resolve with what arrived) after this long. */
  readonly timeoutMs?: number;
}

/** Sends `data` as it is on a fresh connection and collects the answer. */
export function rawExchange(
  port: number,
  data: string,
  options: RawOptions = {},
): Promise<RawResult> {
  const until = options.until ?? ((text: string) => responsesIn(text) >= 1);
  return new Promise((resolve) => {
    const socket: Socket = connect({ host: "127.0.0.1", port });
    let text = "";
    let closed = false;
    let settled = false;
    let closeTimer: ReturnType<typeof setTimeout> | undefined;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearTimeout(closeTimer);
      socket.destroy();
      resolve({ text, closed, statuses: statusesIn(text) });
    };
    const deadline = setTimeout(finish, options.timeoutMs ?? 10_000);
    const check = () => {
      if (!until(text) || closeTimer !== undefined) return;
      if (closed || !options.closeWaitMs) return finish();
      closeTimer = setTimeout(finish, options.closeWaitMs);
    };
    socket.on("data", (chunk: Uint8Array) => {
      text += new TextDecoder().decode(chunk);
      check();
    });
    socket.on("end", () => {
      closed = true;
      if (until(text)) finish();
    });
    socket.on("close", () => {
      closed = true;
      finish();
    });
    socket.on("error", () => {});
    socket.on("connect", () => socket.write(data));
  });
}

/** Complete responses in `text` (Content-Length bodies; enough for Nexus's own answers). */
export function responsesIn(text: string): number {
  let count = 0;
  let at = 0;
  for (;;) {
    const head = text.indexOf("\r\n\r\n", at);
    if (head === -1 || !/^HTTP\/1\.[01] \d{3}/.test(text.slice(at))) return count;
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(at, head))?.[1];
    const end = head + 4 + Number(length ?? 0);
    if (text.length < end) return count;
    count++;
    at = end;
  }
}

function statusesIn(text: string): number[] {
  return [...text.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((match) => Number(match[1]));
}

/** The value of header `name` in the first response of `text`. */
export function headerIn(text: string, name: string): string | undefined {
  const head = text.slice(0, text.indexOf("\r\n\r\n"));
  const line = head.split("\r\n").find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(line.indexOf(":") + 1).trim();
}
