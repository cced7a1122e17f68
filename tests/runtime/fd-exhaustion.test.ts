/**
 * Out of file descriptors (issue 14, item 5): a real `nexus serve` under `prlimit --nofile`, on
 * Bun and on Deno, flooded with more connections than it may open. It must stay up, keep serving
 * a connection it already had, and accept new connections again once the flood is gone. (Deno's
 * accept loop fails on EMFILE; unhandled, that used to end the process.)
 */
import { expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import { needs, tool } from "../helpers/needs.ts";
import { nexusCommand, type RuntimeName, startProcess } from "../helpers/processes.ts";

/** Enough for Nexus itself to start, far fewer than the flood. */
const FD_LIMIT = 128;
const FLOOD = 400;

/** One kept-alive connection that can ask `GET /health` again and again. */
function keptAlive(port: number): Promise<{ ask(): Promise<number>; close(): void }> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: "127.0.0.1", port });
    let text = "";
    let waiting: ((status: number) => void) | undefined;
    socket.on("data", (chunk: Uint8Array) => {
      text += new TextDecoder().decode(chunk);
      const end = text.indexOf("\r\n\r\n");
      const length = Number(/content-length:\s*(\d+)/i.exec(text)?.[1] ?? 0);
      if (end !== -1 && text.length >= end + 4 + length) {
        const status = Number(text.slice(9, 12));
        text = text.slice(end + 4 + length);
        waiting?.(status);
      }
    });
    socket.on("error", reject);
    socket.on("connect", () =>
      resolve({
        ask: () =>
          new Promise<number>((answered, failed) => {
            const timer = setTimeout(
              () => failed(new Error("no answer on the kept connection")),
              10_000,
            );
            waiting = (status) => {
              clearTimeout(timer);
              answered(status);
            };
            socket.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
          }),
        close: () => socket.destroy(),
      }));
  });
}

async function flood(port: number, count: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  let settled = 0;
  await new Promise<void>((resolve) => {
    const done = () => ++settled === count && resolve();
    for (let i = 0; i < count; i++) {
      const socket = connect({ host: "127.0.0.1", port });
      socket.once("connect", done);
      socket.once("error", done);
      sockets.push(socket);
    }
    // Connections beyond the server's limit may sit in its backlog, neither open nor refused.
    setTimeout(resolve, 3000);
  });
  return sockets;
}

async function healthyWithin(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      if (response.status === 200) return true;
    } catch { /* not yet */ }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

for (const runtime of ["bun", "deno"] as RuntimeName[]) {
  needs(tool("prlimit", "util-linux")).describe(`out of file descriptors (${runtime})`, () => {
    test("existing connections keep being served; new ones work again afterwards", async () => {
      const [command, args] = nexusCommand(runtime, [
        "serve",
        "-p",
        "0",
        "-H",
        "127.0.0.1",
        "--no-discovery",
        "--no-health-check",
      ]);
      const nexus = await startProcess("prlimit", [
        `--nofile=${FD_LIMIT}:${FD_LIMIT}`,
        command,
        ...args,
      ], {
        ready: /Nexus listening.*address=(http:\/\/\S+)/,
        what: `nexus serve under prlimit (${runtime})`,
      });
      const url = nexus.ready[1]!;
      const port = Number(new URL(url).port);
      let sockets: Socket[] = [];
      const kept = await keptAlive(port);
      try {
        expect(await kept.ask()).toBe(200);
        sockets = await flood(port, FLOOD);
        expect(await kept.ask()).toBe(200);
        for (const socket of sockets.splice(0)) socket.destroy();
        expect(await healthyWithin(url, 15_000)).toBe(true);
        expect(await kept.ask()).toBe(200);
        let exited = false;
        void nexus.exited.then(() => (exited = true));
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(exited).toBe(false);
      } finally {
        kept.close();
        for (const socket of sockets) socket.destroy();
        await nexus.stop("SIGTERM", 5000);
      }
    }, 60_000);
  });
}
