/**
 * A Deno runtime defect, reproduced without Nexus: `node_modules/.bin/deno run -A
 * bench/deno-abort-repro.ts` (Deno 2.9.6 checked; the HTTP/1.1 server Deno has owned since 2.8.3).
 *
 * A client that closes its connection while the handler is still working (no response head yet)
 * aborts `request.signal` only when the whole request, head and body, arrived in the server's
 * first read of it: 512 bytes on a new connection, 1 KiB on one that already carried a request.
 * A longer request's body is streamed to JavaScript instead, and from then on the server does
 * not watch the socket until a response is written (ext/http/http_next.rs: `wait_raw_response_ready`
 * polls for the peer's close only when the request has no streamed body). Reading the body to
 * its end, as every handler here does, does not change it. Under `Deno.serve` a chat request of
 * realistic size (a system prompt is enough) therefore never tells Nexus its client left before
 * the first byte: the upstream keeps generating until its first token (streams) or its whole
 * answer (non-stream), when the write finds the socket closed.
 *
 * Each case: one write of a request of the given total size on a fresh or reused connection; the
 * handler reads the body, then waits up to WAIT_MS for `request.signal`; the client closes the
 * socket CLOSE_AFTER_MS after sending.
 * @module
 */

// A module (top-level await) that imports nothing: the defect needs no dependency to show.
export {};

/** How long the handler waits for the abort before answering. */
const WAIT_MS = 2000;
/** When the client leaves: the handler has long read the body by then. */
const CLOSE_AFTER_MS = 150;

interface Case {
  readonly name: string;
  /** Bytes of the request (head and body) that is abandoned. */
  readonly bytes: number;
  /** Send one small request on the connection first (its read buffer grows to 1 KiB). */
  readonly reused: boolean;
}

const CASES: readonly Case[] = [
  { name: "new connection, 400 B request", bytes: 400, reused: false },
  { name: "new connection, 700 B request", bytes: 700, reused: false },
  { name: "reused connection, 700 B request", bytes: 700, reused: true },
  { name: "reused connection, 1500 B request", bytes: 1500, reused: true },
];

const encoder = new TextEncoder();
/** Per case id: when the handler saw the abort (ms after the client closed), or null. */
const outcomes = new Map<string, (seenAt: number | null) => void>();

const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
  await request.text();
  const id = request.headers.get("x-case");
  if (id === null) return new Response("warm");
  const seen = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), WAIT_MS);
    request.signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve(true);
    }, { once: true });
  });
  outcomes.get(id)?.(seen ? performance.now() : null);
  return new Response("late");
});

/** A POST of exactly `bytes` bytes, head included. */
function requestOf(bytes: number, id: string | null): Uint8Array {
  const head = (length: number) =>
    `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
    (id === null ? "" : `x-case: ${id}\r\n`) + `content-length: ${length}\r\n\r\n`;
  let length = Math.max(2, bytes - head(0).length);
  length = Math.max(2, bytes - head(length).length);
  return encoder.encode(head(length) + `"${"x".repeat(length - 2)}"`);
}

async function readResponse(conn: Deno.Conn): Promise<void> {
  const buffer = new Uint8Array(4096);
  const read = await conn.read(buffer);
  if (read === null) throw new Error("the server closed the warm-up connection");
}

async function run(testCase: Case, id: string): Promise<number | null> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
  if (testCase.reused) {
    await conn.write(requestOf(200, null));
    await readResponse(conn);
  }
  const outcome = new Promise<number | null>((resolve) => outcomes.set(id, resolve));
  const request = requestOf(testCase.bytes, id);
  let written = 0;
  while (written < request.length) written += await conn.write(request.subarray(written));
  await new Promise((resolve) => setTimeout(resolve, CLOSE_AFTER_MS));
  const closedAt = performance.now();
  conn.close();
  const seenAt = await outcome;
  return seenAt === null ? null : seenAt - closedAt;
}

let missed = 0;
console.log(`Deno ${Deno.version.deno}: does request.signal abort when the client leaves?`);
for (const [index, testCase] of CASES.entries()) {
  const delta = await run(testCase, String(index));
  if (delta === null) missed++;
  console.log(
    `  ${testCase.name.padEnd(36)} ${
      delta === null ? `NOT SEEN within ${WAIT_MS} ms` : `seen ${delta.toFixed(1)} ms after`
    }`,
  );
}
console.log(
  missed === 0
    ? "Every departure seen: the defect is gone in this Deno."
    : `${missed} of ${CASES.length} departures never seen: the defect is present.`,
);
await server.shutdown();
