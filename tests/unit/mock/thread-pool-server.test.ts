/**
 * The thread-pool mock serves like llama-server's cpp-httplib: N connections at a time, an idle
 * keep-alive connection keeps its worker, the rest wait in order; `Connection: close` and the
 * keep-alive limits free a worker.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import {
  startThreadPoolServer,
  type ThreadPoolServer,
  withSlots,
} from "../../mock/thread-pool-server.ts";
import { waitFor } from "../../helpers/mock-backend.ts";

let server: ThreadPoolServer | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await server?.close();
  server = undefined;
});

/** A raw client: sends one request and resolves with everything received until `until` shows. */
function rawClient(port: number) {
  const socket = connect({ host: "127.0.0.1", port });
  sockets.push(socket);
  let received = "";
  socket.on("data", (data: Uint8Array) => (received += new TextDecoder().decode(data)));
  socket.on("error", () => {});
  return {
    send(path: string, headers = "") {
      socket.write(`GET ${path} HTTP/1.1\r\nhost: x\r\n${headers}\r\n`);
    },
    received: () => received,
    close: () => socket.end(),
  };
}

const ok = () => new Response("ok", { headers: { "content-type": "text/plain" } });

describe("thread-pool mock server", () => {
  test("an idle keep-alive connection keeps its worker; the next connection waits for it", async () => {
    server = await startThreadPoolServer({ threads: 1, keepAliveMs: 60_000, handler: ok });
    const first = rawClient(server.port);
    first.send("/a");
    await waitFor(() => first.received().endsWith("0\r\n\r\n"), "the first answer");
    const second = rawClient(server.port);
    second.send("/b");
    await waitFor(() => server!.queued() === 1, "the second connection to queue");
    expect(second.received()).toBe("");
    expect(server.connections[1]!.servedAt).toBeUndefined();
    first.close();
    await waitFor(() => second.received().endsWith("0\r\n\r\n"), "the second answer");
    expect(server.connections[0]!.closedBy).toBe("client");
  });

  test("Connection: close frees the worker after the response", async () => {
    server = await startThreadPoolServer({ threads: 1, keepAliveMs: 60_000, handler: ok });
    const first = rawClient(server.port);
    first.send("/a", "connection: close\r\n");
    await waitFor(() => first.received().endsWith("0\r\n\r\n"), "the first answer");
    await waitFor(() => server!.connections[0]?.closedAt !== undefined, "the first to close");
    expect(server.connections[0]!.closedBy).toBe("connection-close");
    expect(first.received()).toContain("connection: close");
    const second = rawClient(server.port);
    second.send("/b");
    await waitFor(() => second.received().endsWith("0\r\n\r\n"), "the second answer");
  });

  test("the keep-alive timeout and maximum close a served connection", async () => {
    server = await startThreadPoolServer({
      threads: 2,
      keepAliveMs: 20,
      keepAliveMaxCount: 2,
      handler: ok,
    });
    const idle = rawClient(server.port);
    idle.send("/a");
    await waitFor(() => server!.connections[0]?.closedAt !== undefined, "the idle close");
    expect(server.connections[0]!.closedBy).toBe("keep-alive-timeout");
    const busy = rawClient(server.port);
    busy.send("/a");
    busy.send("/b");
    await waitFor(() => server!.connections[1]?.closedAt !== undefined, "the max-count close");
    expect(server.connections[1]!.closedBy).toBe("keep-alive-max");
    expect(server.connections[1]!.requests.map((r) => r.path)).toEqual(["/a", "/b"]);
    expect(server.served()).toBe(0);
  });

  test("withSlots runs completions one slot at a time, in order, until each body ends", async () => {
    const releases: (() => void)[] = [];
    const started: string[] = [];
    const slow = (request: Request) => {
      started.push(new URL(request.url).pathname);
      const body = new ReadableStream<Uint8Array>({
        start: (controller) => void releases.push(() => controller.close()),
      });
      return new Response(body);
    };
    const handler = withSlots(slow, 1);
    const post = (path: string) => handler(new Request(`http://x${path}`, { method: "POST" }));
    const first = await post("/v1/chat/completions");
    const second = post("/v1/completions");
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(started).toEqual(["/v1/chat/completions"]);
    const reading = first.text();
    releases[0]!();
    await reading;
    await second;
    expect(started).toEqual(["/v1/chat/completions", "/v1/completions"]);
  });
});
