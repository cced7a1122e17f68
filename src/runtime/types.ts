/**
 * The one interface between Nexus and the JavaScript runtime it runs on.
 *
 * Everything above `src/runtime/` receives a `Runtime` as a parameter, so every part of the
 * gateway runs in tests against a fake, and nothing outside this folder reads `Bun.*`, `Deno.*`
 * or `process`.
 * @module
 */
import type { MulticastOptions, MulticastSocket } from "./multicast-types.ts";
import type { RedisConnection, RedisOptions } from "./redis-types.ts";

export type { Datagram, MulticastOptions, MulticastSocket } from "./multicast-types.ts";
export { MulticastError } from "./multicast-types.ts";
export type { RedisConnection, RedisOptions, RedisScript } from "./redis-types.ts";

/** What the adapter knows about the connection a request came in on. */
export interface ConnInfo {
  /** Peer IP address as the socket reports it (`127.0.0.1`, `::1`, `::ffff:127.0.0.1` …). */
  readonly remoteAddress: string;
}

export type FetchHandler = (request: Request, conn: ConnInfo) => Response | Promise<Response>;

export interface ServeOptions {
  readonly hostname: string;
  /** 0 asks the OS for a free port; the handle reports the one it got. */
  readonly port: number;
  /**
   * Told when the listener had to stop accepting (out of file descriptors) and when it listens
   * again; open connections are served throughout.
   */
  readonly onListenerError?: (message: string) => void;
}

export interface ServerHandle {
  readonly hostname: string;
  readonly port: number;
  /**
   * Stops accepting connections. `force: false` lets in-flight requests finish; `force: true`
   * closes every open connection at once.
   */
  stop(force: boolean): Promise<void>;
}

export type SignalName = "SIGINT" | "SIGTERM" | "SIGHUP";

/** One address of one network interface of this host. */
export interface NetworkAddress {
  readonly address: string;
  readonly family: "IPv4" | "IPv6";
  /** Loopback (`127.0.0.1`, `::1`): reachable from this host only. */
  readonly internal: boolean;
}

/** One address of a network interface of this host, with the network it is on. */
export interface InterfaceAddress {
  readonly address: string;
  /** `192.168.1.10/24`, or null when the runtime does not know the netmask. */
  readonly cidr: string | null;
}

export type FileErrorKind = "not_found" | "exists" | "denied" | "not_utf8" | "other";

/** What `fileInfo` tells about a file. */
export interface FileInfo {
  /** Permission bits (`0o600` …). */
  readonly mode: number;
  readonly size: number;
  /** Wall-clock ms of the last modification. */
  readonly modifiedMs: number;
}

/** A running `watchFile`; `close` is safe to call twice. */
export interface FileWatch {
  close(): void;
}

/** A file operation failed; `kind` lets callers tell a missing file from a real problem. */
export class RuntimeFileError extends Error {
  override readonly name = "RuntimeFileError";
  constructor(
    readonly kind: FileErrorKind,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(`${describeKind(kind)}: ${path}`, options);
  }
}

function describeKind(kind: FileErrorKind): string {
  switch (kind) {
    case "not_found":
      return "file not found";
    case "exists":
      return "file already exists";
    case "denied":
      return "permission denied";
    case "not_utf8":
      return "not valid UTF-8 text";
    default:
      return "cannot access file";
  }
}

/** The server could not start listening (address in use, permission denied …). */
export class ServeError extends Error {
  override readonly name = "ServeError";
  constructor(readonly address: string, options?: { cause?: unknown }) {
    super(`Cannot listen on ${address}: ${reasonOf(options?.cause)}`, options);
  }
}

function reasonOf(cause: unknown): string {
  const code = (cause as { code?: unknown } | null)?.code;
  if (code === "EADDRINUSE" || (cause as Error | null)?.name === "AddrInUse") {
    return "address already in use";
  }
  if (code === "EACCES" || (cause as Error | null)?.name === "PermissionDenied") {
    return "permission denied";
  }
  return cause instanceof Error ? cause.message : String(cause);
}

export interface Runtime {
  readonly name: "bun" | "deno";
  /** Runtime version, e.g. `1.4.5`. */
  readonly version: string;
  /** Environment variables, read once at startup and frozen. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Command-line arguments after the program name. */
  readonly args: readonly string[];
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  serve(handler: FetchHandler, options: ServeOptions): Promise<ServerHandle>;
  /**
   * The file as UTF-8 text; bytes that are not UTF-8 fail with kind `not_utf8` instead of
   * becoming U+FFFD (a config or key file saved as Latin-1 would otherwise load silently changed).
   * `lenient` turns them into U+FFFD instead, for files read line by line where one torn line
   * must not cost the others (the usage log after a crash mid-append).
   */
  readTextFile(path: string, options?: { lenient?: boolean }): Promise<string>;
  /** With `createNew`, fails with kind `exists` instead of replacing a file. */
  writeTextFile(path: string, text: string, options?: { createNew?: boolean }): Promise<void>;
  /**
   * Replaces `path` with `text` atomically (a temporary file beside it, flushed, then renamed):
   * a reader or a crash never sees half a file. The file gets `mode` (default 0644).
   */
  writeFileAtomic(path: string, text: string, options?: { mode?: number }): Promise<void>;
  /** Appends `text`, creating the file with `mode` (default 0644) when it does not exist. */
  appendTextFile(path: string, text: string, options?: { mode?: number }): Promise<void>;
  /**
   * A Redis connection (`[state] redis_url`) that reconnects by itself. Resolves once the client
   * is loaded (not connected): it reports through `options.onStatus` when it is usable.
   */
  openRedis(url: string, options: RedisOptions): Promise<RedisConnection>;
  /** Renames (moves) a file; fails with RuntimeFileError. */
  renameFile(from: string, to: string): Promise<void>;
  /** Mode, size and modification time; fails with RuntimeFileError (kind `not_found` …). */
  fileInfo(path: string): Promise<FileInfo>;
  /** Creates a directory and its parents (nothing when it exists). */
  makeDirectory(path: string): Promise<void>;
  /**
   * Calls `onChange` whenever `path` is written, replaced (an editor's rename) or removed, maybe
   * several times per save: callers debounce. Throws RuntimeFileError when it cannot watch.
   */
  watchFile(path: string, onChange: () => void): FileWatch;
  /**
   * Sends one UDP datagram to a broadcast (or unicast) IPv4 address with SO_BROADCAST set:
   * Wake-on-LAN's magic packet. Resolves once handed to the OS; rejects with its reason.
   */
  sendBroadcast(data: Uint8Array, address: string, port: number): Promise<void>;
  /** Registers a signal listener; the returned function removes it. */
  onSignal(signal: SignalName, listener: () => void): () => void;
  writeStdout(text: string): void;
  writeStderr(text: string): void;
  exit(code: number): never;
  /**
   * This host's interface addresses, so `nexus serve` can show a URL other machines can use
   * rather than the bind address `0.0.0.0`. Empty when the runtime may not read them.
   */
  networkAddresses(): readonly NetworkAddress[];
  /** Resident set size in bytes, or undefined where the runtime cannot tell. */
  residentMemoryBytes(): number | undefined;
  /** This machine's host name (admin requests may be addressed to it); undefined if unknown. */
  hostname(): string | undefined;
  /**
   * This host's interface addresses with their networks (discovery's default
   * `allowed_networks`); undefined when the runtime may not read them.
   */
  networkInterfaces(): InterfaceAddress[] | undefined;
  /**
   * fetch for upstream requests, with no runtime-imposed idle limit: Nexus enforces its own
   * deadlines, which may be longer than a runtime default (Bun cuts idle sockets at 5 min).
   * Redirects are never followed (`redirect: "manual"`), here and in `probeFetch`: a 3xx is
   * returned as it is.
   */
  fetch(input: string, init: RequestInit): Promise<Response>;
  /**
   * fetch for health probes and type detection: the connection closes after its response and is
   * never pooled. llama-server serves HTTP with a few threads and gives each open connection one,
   * so a probe connection kept idle would take a thread from real clients.
   */
  probeFetch(input: string, init: RequestInit): Promise<Response>;
  /**
   * Readies the runtime for serving many concurrent upstream requests. On Bun this may replace
   * the process with itself (see bun-exec.ts) and then never returns. Resolves with a warning
   * when the runtime stays limited.
   */
  prepareToServe(): Promise<string | undefined>;
  /** Opens and closes one TCP connection to learn whether anything listens there. */
  tcpProbe(host: string, port: number, timeoutMs: number): Promise<TcpProbeResult>;
  /**
   * Opens a UDP socket joined to the mDNS group (224.0.0.251). Rejects with `MulticastError`
   * when the port cannot be bound or the group cannot be joined on the named interface.
   */
  openMulticast(options?: MulticastOptions): Promise<MulticastSocket>;
}

export type TcpProbeResult = "open" | "refused" | "unreachable" | "timeout";
