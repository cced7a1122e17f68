/**
 * The mDNS socket for both adapters. `node:dgram` is real on Bun and on Deno (measured: group
 * membership, multicast TTL, loopback and interface all work on both, and in a compiled binary),
 * so one implementation serves both. `multicast-dns` manages the socket's life: binding, joining
 * the group on every IPv4 interface and re-joining when interfaces appear (every 5 s). We hand it
 * our own dgram socket and read the raw datagrams from that socket, because the DNS codec is
 * Nexus's own (src/discovery/), pure and fuzzed.
 * @module
 */
import { createSocket } from "node:dgram";
import makeMulticastDns from "multicast-dns";
import type { Datagram, MulticastOptions, MulticastSocket } from "./multicast-types.ts";
import { MulticastError } from "./multicast-types.ts";

const MDNS_GROUP = "224.0.0.251";
const MDNS_PORT = 5353;
/** Binding a local UDP port takes microseconds; this only bounds a runtime that never answers. */
const OPEN_TIMEOUT_MS = 5_000;

export function openNodeMulticast(options: MulticastOptions = {}): Promise<MulticastSocket> {
  const port = options.port ?? MDNS_PORT;
  const bind = options.bind ?? "0.0.0.0";
  let socket: ReturnType<typeof createSocket>;
  let mdns: ReturnType<typeof makeMulticastDns>;
  try {
    socket = createSocket({ type: "udp4", reuseAddr: options.reuseAddr !== false });
    mdns = makeMulticastDns({
      socket,
      port,
      bind,
      ...(options.interface === undefined ? {} : { interface: options.interface }),
      ...(options.multicast === undefined ? {} : { multicast: options.multicast }),
      ...(options.ttl === undefined ? {} : { ttl: options.ttl }),
      ...(options.loopback === undefined ? {} : { loopback: options.loopback }),
    });
  } catch (error) {
    return Promise.reject(
      new MulticastError(describeBindError(error, bind, port), { cause: error }),
    );
  }

  const messageListeners = new Set<(datagram: Datagram) => void>();
  const errorListeners = new Set<(error: Error) => void>();
  let closed: Promise<void> | undefined;
  socket.on("message", (message: Uint8Array, remote: { address: string; port: number }) => {
    const datagram: Datagram = {
      data: new Uint8Array(message.buffer, message.byteOffset, message.byteLength),
      address: remote.address,
      port: remote.port,
    };
    for (const listener of messageListeners) listener(datagram);
  });

  const handle: MulticastSocket = {
    port,
    send: (data) =>
      new Promise((resolve, reject) => {
        if (closed) return reject(new Error("the mDNS socket is closed"));
        socket.send(data, port, MDNS_GROUP, (error) => (error ? reject(error) : resolve()));
      }),
    onMessage(listener) {
      messageListeners.add(listener);
      return () => messageListeners.delete(listener);
    },
    onError(listener) {
      errorListeners.add(listener);
      return () => errorListeners.delete(listener);
    },
    close() {
      closed ??= new Promise<void>((resolve) => mdns.destroy(() => resolve()));
      return closed;
    },
  };

  return new Promise((resolve, reject) => {
    const startupWarnings: Error[] = [];
    let settled = false;
    const fail = (error: unknown, joining = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void handle.close();
      const reason = joining
        ? `cannot join ${MDNS_GROUP} on interface ${options.interface} (${describeError(error)})`
        : describeBindError(error, bind, port);
      reject(new MulticastError(reason, { cause: error }));
    };
    const timer = setTimeout(
      () => fail(new Error("timed out opening the socket")),
      OPEN_TIMEOUT_MS,
    );
    // Before "ready", warnings are the group joins that failed; after it, socket trouble.
    mdns.on("warning", (error: Error) => {
      if (!settled) startupWarnings.push(error);
      else for (const listener of errorListeners) listener(error);
    });
    mdns.on("error", (error: Error) => {
      if (!settled) fail(error);
      else for (const listener of errorListeners) listener(error);
    });
    mdns.once("ready", () => {
      // With no interface named, a join that fails on one NIC (a down bridge) is no reason to
      // give up; with one named, it is the only NIC we would hear, so it must work.
      if (options.interface !== undefined && startupWarnings.length > 0) {
        return fail(startupWarnings[0], true);
      }
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(handle);
    });
  });
}

function describeBindError(error: unknown, bind: string, port: number): string {
  const code = String((error as { code?: unknown } | null)?.code ?? "");
  const text = describeError(error);
  if (code === "EADDRINUSE" || /address.*in use/i.test(text)) {
    return `UDP port ${port} on ${bind} is in use by a program that does not share it`;
  }
  if (code === "EACCES" || code === "EPERM" || /permission denied/i.test(text)) {
    return `permission denied binding UDP ${bind}:${port}`;
  }
  if (code === "EADDRNOTAVAIL" || /not available|cannot assign/i.test(text)) {
    return `address ${bind} is not on this host`;
  }
  return text;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
