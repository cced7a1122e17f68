/**
 * The multicast socket the runtime offers for mDNS: it moves raw datagrams only. The DNS codec
 * lives in `src/discovery/`, pure, so it is the same on every runtime and can be fuzzed.
 * @module
 */

/**
 * Socket settings, named as `multicast-dns` names them. Tests in the root network namespace
 * pass `{ interface: "127.0.0.1", port: <custom> }` so nothing leaves loopback.
 */
export interface MulticastOptions {
  /** IPv4 address of the interface to join and send on; default: every IPv4 interface. */
  readonly interface?: string;
  /**
   * Address to bind. Default `0.0.0.0`: on Linux a socket bound to a unicast address never
   * receives datagrams sent to the group, so binding to `interface` would hear nothing.
   */
  readonly bind?: string;
  /** UDP port; default 5353, the mDNS port. */
  readonly port?: number;
  /** `false` skips joining the group (plain UDP); default true. */
  readonly multicast?: boolean;
  /** Multicast TTL; default 255 (RFC 6762 §11). */
  readonly ttl?: number;
  /** Receive our own datagrams; default true (a responder on the same host is then heard). */
  readonly loopback?: boolean;
  /** Share the port with other mDNS stacks (Avahi, Bonjour); default true. */
  readonly reuseAddr?: boolean;
}

/** One datagram as it arrived. */
export interface Datagram {
  readonly data: Uint8Array;
  /** Sender address and UDP port. */
  readonly address: string;
  readonly port: number;
}

export interface MulticastSocket {
  /** The bound UDP port (the group's port). */
  readonly port: number;
  /** Sends one datagram to the group; resolves once handed to the OS, rejects on failure. */
  send(data: Uint8Array): Promise<void>;
  /** Registers a datagram listener; the returned function removes it. */
  onMessage(listener: (datagram: Datagram) => void): () => void;
  /** Errors after the socket opened (a failed send is reported by `send` instead). */
  onError(listener: (error: Error) => void): () => void;
  /** Leaves the group and closes the socket; safe to call twice. */
  close(): Promise<void>;
}

/** The socket could not be opened; `reason` is a short phrase for the log line. */
export class MulticastError extends Error {
  override readonly name = "MulticastError";
  constructor(readonly reason: string, options?: { cause?: unknown }) {
    super(`Cannot open the mDNS socket: ${reason}`, options);
  }
}
