/**
 * The runtime's multicast socket itself, on loopback with a private port (interface 127.0.0.1,
 * so nothing reaches a real network): datagrams go round, and failures to open are named.
 */
import { describe, expect, test } from "bun:test";
import { loadRuntime, MulticastError } from "../../src/runtime/mod.ts";
import { waitFor } from "../helpers/mock-backend.ts";
import { randomMdnsPort } from "../helpers/udp-port.ts";

describe("runtime.openMulticast()", () => {
  test("two sockets on one port hear each other's datagrams, with the sender's port", async () => {
    const runtime = await loadRuntime();
    const port = randomMdnsPort();
    const a = await runtime.openMulticast({ interface: "127.0.0.1", port });
    const b = await runtime.openMulticast({ interface: "127.0.0.1", port });
    try {
      const heard: string[] = [];
      b.onMessage(({ data, port: from }) =>
        heard.push(`${new TextDecoder().decode(data)} ${from}`)
      );
      await a.send(new TextEncoder().encode("hello"));
      await waitFor(() => heard.length > 0, "the datagram");
      expect(heard[0]).toBe(`hello ${port}`);
      expect(a.port).toBe(port);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test("a port held without sharing: MulticastError saying so", async () => {
    const runtime = await loadRuntime();
    const port = randomMdnsPort();
    const holder = await runtime.openMulticast({ interface: "127.0.0.1", port, reuseAddr: false });
    try {
      const error = await runtime.openMulticast({ interface: "127.0.0.1", port, reuseAddr: false })
        .then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(MulticastError);
      expect((error as MulticastError).reason).toBe(
        `UDP port ${port} on 0.0.0.0 is in use by a program that does not share it`,
      );
    } finally {
      await holder.close();
    }
  });

  test("an interface this host does not have: MulticastError naming it", async () => {
    const runtime = await loadRuntime();
    const error = await runtime.openMulticast({ interface: "192.0.2.1", port: randomMdnsPort() })
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(MulticastError);
    expect((error as MulticastError).reason).toMatch(
      /^cannot join 224\.0\.0\.251 on interface 192\.0\.2\.1 \(/,
    );
  });

  test("close() twice is fine; send() after it rejects", async () => {
    const runtime = await loadRuntime();
    const socket = await runtime.openMulticast({ interface: "127.0.0.1", port: randomMdnsPort() });
    await socket.close();
    await socket.close();
    await expect(socket.send(new Uint8Array(1))).rejects.toThrow("the mDNS socket is closed");
  });
});
