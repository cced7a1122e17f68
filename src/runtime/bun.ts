/**
 * Bun adapter. Bun.serve closes connections idle for 10 s by default, which cuts a model that
 * thinks before its first token: the idle timeout is raised to Bun's maximum and lifted for a
 * POST while it is answered, whose upstream deadlines Nexus enforces itself (bun-idle.ts).
 * An HTTP/1.0 request without `Host` reaches the handler with a path for a URL: it is given
 * the server's own address, so `GET /health` from a load balancer's check works.
 *
 * Output goes through Bun's native file sinks, and TTY detection asks the tty binding: the first
 * touch of `process.stdout` loads Bun's node:stream implementation, ~20 ms of every start-up
 * (`nexus --help`, and `nexus serve` before it answers its first request).
 * @module
 */
import process from "node:process";
import { connect } from "node:net";
import { hostname as osHostname, networkInterfaces } from "node:os";
import type {
  ConnInfo,
  FetchHandler,
  NetworkAddress,
  Runtime,
  ServeOptions,
  ServerHandle,
  TcpProbeResult,
} from "./types.ts";
import { ServeError } from "./types.ts";
import { mapNodeFileError } from "./node-errors.ts";
import { raiseFetchLimit } from "./bun-exec.ts";
import { MAX_IDLE_TIMEOUT_SECONDS, restoreIdleLimit } from "./bun-idle.ts";
import { appendTextFile, decodeUtf8, writeFileAtomic } from "./files.ts";
import { fileInfo, makeDirectory, renameFile, watchFile } from "./file-ops.ts";

export function createBunRuntime(): Runtime {
  const env = Object.freeze({ ...process.env });
  return {
    name: "bun",
    version: Bun.version,
    env,
    args: Object.freeze(process.argv.slice(2)),
    stdoutIsTTY: isTTY(1),
    stderrIsTTY: isTTY(2),
    serve: serveWithBun,
    async readTextFile(path, options) {
      let bytes: Uint8Array;
      try {
        bytes = await Bun.file(path).bytes();
      } catch (error) {
        throw mapNodeFileError(error, path);
      }
      return decodeUtf8(bytes, path, options?.lenient);
    },
    async writeTextFile(path, text, options) {
      const { writeFile } = await import("node:fs/promises");
      try {
        await writeFile(path, text, { flag: options?.createNew ? "wx" : "w" });
      } catch (error) {
        throw mapNodeFileError(error, path);
      }
    },
    writeFileAtomic,
    appendTextFile,
    // Loaded on first use, as multicast is: only `[state] redis_url` pays for the client.
    openRedis: async (url, options) =>
      (await import("./redis.ts")).openRedisConnection(url, options),
    renameFile,
    fileInfo,
    makeDirectory,
    watchFile,
    // Loaded on first use, as multicast is: only a wake pays for the socket code.
    sendBroadcast: async (data, address, port) =>
      (await import("./broadcast.ts")).sendBroadcast(data, address, port),
    onSignal(signal, listener) {
      process.on(signal, listener);
      return () => process.off(signal, listener);
    },
    writeStdout: sinkWriter(Bun.stdout),
    writeStderr: sinkWriter(Bun.stderr),
    exit: (code) => process.exit(code),
    networkAddresses: readNetworkAddresses,
    residentMemoryBytes: () => process.memoryUsage.rss(),
    hostname: () => safely(osHostname),
    networkInterfaces: () =>
      safely(() =>
        Object.values(networkInterfaces()).flatMap((entries) =>
          (entries ?? []).map((entry) => ({ address: entry.address, cidr: entry.cidr ?? null }))
        )
      ),
    // `timeout: false` turns off Bun's per-socket idle timer (BUN_CONFIG_HTTP_IDLE_TIMEOUT, 5 min),
    // which would otherwise cut a backend allowed a longer first-byte deadline; a redirect is never
    // followed (src/lib/upstream-guard.ts). Set on the caller's init (each request builds its own)
    // rather than on a copy of it.
    fetch: (input, init) => {
      const options = init as RequestInit & { timeout?: boolean };
      options.timeout = false;
      options.redirect ??= "manual";
      return fetch(input, options);
    },
    // Bun's `keepalive: false` closes the connection after the response and never pools it
    // (checked against a server that ignores `Connection: close`).
    probeFetch: (input, init) => fetch(input, { redirect: "manual", ...init, keepalive: false }),
    tcpProbe: probeWithNodeNet,
    prepareToServe: raiseFetchLimit,
    // Loaded on first use: `nexus --help` and the client commands never pay for the socket code.
    openMulticast: async (options) => (await import("./multicast.ts")).openNodeMulticast(options),
  };
}

function urlHost(hostname: string | undefined, port: number | undefined): string {
  const host = hostname ?? "localhost";
  return `${host.includes(":") ? `[${host}]` : host}:${port ?? 80}`;
}

function safely<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

function probeWithNodeNet(host: string, port: number, timeoutMs: number): Promise<TcpProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: TcpProbeResult) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done("timeout"), timeoutMs);
    socket.once("connect", () => done("open"));
    socket.once(
      "error",
      (error: NodeJS.ErrnoException) =>
        done(error.code === "ECONNREFUSED" ? "refused" : "unreachable"),
    );
  });
}

function readNetworkAddresses(): NetworkAddress[] {
  try {
    return Object.values(networkInterfaces()).flatMap((entries) =>
      (entries ?? []).map((entry) => ({
        address: entry.address,
        family: entry.family === "IPv6" ? "IPv6" as const : "IPv4" as const,
        internal: entry.internal,
      }))
    );
  } catch {
    return [];
  }
}

function isTTY(fd: 1 | 2): boolean {
  try {
    const binding = (process as unknown as {
      binding(name: string): { isTTY(fd: number): boolean };
    }).binding("tty_wrap");
    return binding.isTTY(fd) === true;
  } catch {
    return (fd === 1 ? process.stdout : process.stderr).isTTY === true;
  }
}

/** Writes each text at once; a reader that went away (EPIPE) is not Nexus's failure. */
function sinkWriter(file: typeof Bun.stdout): (text: string) => void {
  let sink: ReturnType<typeof file.writer> | undefined;
  return (text) => {
    try {
      sink ??= file.writer();
      sink.write(text);
      const flushed = sink.flush();
      if (flushed instanceof Promise) flushed.catch(() => {});
    } catch {
      // The stream is closed: there is nobody left to tell.
    }
  };
}

/**
 * The peer's address, asked of the server only when a handler reads it (admin routes, the
 * dashboard): inference requests never do, and the lookup allocates an object per request.
 */
class BunConnInfo implements ConnInfo {
  readonly #server: Bun.Server<undefined>;
  readonly #request: Request;
  #address: string | undefined;

  constructor(server: Bun.Server<undefined>, request: Request) {
    this.#server = server;
    this.#request = request;
  }

  get remoteAddress(): string {
    return this.#address ??= this.#server.requestIP(this.#request)?.address ?? "";
  }
}

function serveWithBun(handler: FetchHandler, options: ServeOptions): Promise<ServerHandle> {
  try {
    const server = Bun.serve({
      hostname: options.hostname,
      port: options.port,
      idleTimeout: MAX_IDLE_TIMEOUT_SECONDS,
      // The gateway enforces its own limit with a clear 413; let Bun accept up to well past it.
      maxRequestBodySize: Number.MAX_SAFE_INTEGER,
      fetch(request, bunServer) {
        const conn = new BunConnInfo(bunServer, request);
        // HTTP/1.0 without Host: Bun hands over the bare path as the URL.
        const target = request.url.startsWith("/")
          ? new Request(
            `http://${urlHost(bunServer.hostname, bunServer.port)}${request.url}`,
            request,
          )
          : request;
        if (request.method !== "POST") return handler(target, conn);
        bunServer.timeout(request, 0);
        const restore = () => bunServer.timeout(request, MAX_IDLE_TIMEOUT_SECONDS);
        return restoreIdleLimit(handler(target, conn), performance.now(), restore);
      },
      error() {
        return new Response(
          '{"error":{"message":"Internal server error","type":"server_error","param":null,"code":"internal_error"}}',
          { status: 500, headers: { "content-type": "application/json" } },
        );
      },
    });
    return Promise.resolve({
      hostname: server.hostname ?? options.hostname,
      port: server.port ?? options.port,
      stop: (force) => server.stop(force),
    });
  } catch (error) {
    return Promise.reject(new ServeError(`${options.hostname}:${options.port}`, { cause: error }));
  }
}
