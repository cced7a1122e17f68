/**
 * `Runtime.probeFetch` on the runtime running this test (Bun or Deno): every connection closes
 * after its response, even against a server that keeps it open whatever the client says. Deno's
 * plain fetch does not: it keeps the connection pooled after a request that said
 * `Connection: close` when the server ignores it, so the header alone is not enough there.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer, type Server, type Socket } from "node:net";
import { waitFor } from "../helpers/mock-backend.ts";
import { loadRuntime } from "../../src/runtime/mod.ts";
import type { Runtime } from "../../src/runtime/mod.ts";

/** A server that answers every request and never closes a connection itself. */
let server: Server;
let url: string;
const connections: { socket: Socket; requests: number; open: boolean }[] = [];
let runtime: Runtime;

beforeAll(async () => {
  runtime = await loadRuntime();
  server = createServer((socket) => {
    const record = { socket, requests: 0, open: true };
    connections.push(record);
    let buffer = "";
    socket.on("data", (data: Uint8Array) => {
      buffer += new TextDecoder().decode(data);
      while (buffer.includes("\r\n\r\n")) {
        buffer = buffer.slice(buffer.indexOf("\r\n\r\n") + 4);
        record.requests++;
        socket.write(
          "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}",
        );
      }
    });
    socket.on("close", () => (record.open = false));
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  for (const { socket } of connections) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe(`probeFetch`, () => {
  test("closes each connection after its response; nothing is pooled", async () => {
    const before = connections.length;
    for (const path of ["/health", "/v1/models", "/props"]) {
      const response = await runtime.probeFetch(`${url}${path}`, {
        headers: { connection: "close" },
      });
      expect(await response.text()).toBe("{}");
    }
    const mine = connections.slice(before);
    expect(mine.map((c) => c.requests)).toEqual([1, 1, 1]);
    await waitFor(() => mine.every((c) => !c.open), "the probe connections to close");
  });
});
