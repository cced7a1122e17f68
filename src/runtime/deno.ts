/**
 * Deno adapter. `Deno.serve().shutdown()` waits for open streams forever, so a forced stop
 * aborts the server's signal instead, which closes every connection at once.
 *
 * Out of file descriptors, Deno.serve's accept loop fails and its `finished` promise rejects;
 * unhandled, that ends the process. Here it is handled: the connections already open keep being
 * served, new ones are refused while the listener is down, and it listens again on the same port
 * after a second (and again, backing off, while descriptors stay short).
 * @module
 */
import type {
  FetchHandler,
  FileErrorKind,
  NetworkAddress,
  Runtime,
  ServeOptions,
  ServerHandle,
  TcpProbeResult,
} from "./types.ts";
import { RuntimeFileError, ServeError } from "./types.ts";
import { appendTextFile, decodeUtf8, writeFileAtomic } from "./files.ts";
import { fileInfo, makeDirectory, renameFile, watchFile } from "./file-ops.ts";

export function createDenoRuntime(): Runtime {
  const encoder = new TextEncoder();
  return {
    name: "deno",
    version: Deno.version.deno,
    env: Object.freeze(readEnv()),
    args: Object.freeze([...Deno.args]),
    stdoutIsTTY: Deno.stdout.isTerminal(),
    stderrIsTTY: Deno.stderr.isTerminal(),
    serve: serveWithDeno,
    async readTextFile(path, options) {
      let bytes: Uint8Array;
      try {
        bytes = await Deno.readFile(path);
      } catch (error) {
        throw mapDenoFileError(error, path);
      }
      return decodeUtf8(bytes, path, options?.lenient);
    },
    async writeTextFile(path, text, options) {
      try {
        await Deno.writeTextFile(path, text, { createNew: options?.createNew === true });
      } catch (error) {
        throw mapDenoFileError(error, path);
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
      Deno.addSignalListener(signal, listener);
      return () => Deno.removeSignalListener(signal, listener);
    },
    writeStdout: (text) => writeAll(Deno.stdout, encoder.encode(text)),
    writeStderr: (text) => writeAll(Deno.stderr, encoder.encode(text)),
    exit: (code) => Deno.exit(code),
    networkAddresses: readNetworkAddresses,
    residentMemoryBytes: () => Deno.memoryUsage().rss,
    hostname: () => safely(() => Deno.hostname()),
    networkInterfaces: () =>
      safely(() =>
        Deno.networkInterfaces().map((entry) => ({ address: entry.address, cidr: entry.cidr }))
      ),
    fetch: async (input, init) => poolFriendly(await fetch(input, { redirect: "manual", ...init })),
    probeFetch: createProbeFetch(),
    tcpProbe: probeWithDenoConnect,
    // Deno's fetch has no process-wide cap on requests in flight.
    prepareToServe: () => Promise.resolve(undefined),
    // node:dgram is real on Deno (group membership included), so both adapters share one socket,
    // loaded on first use: `nexus --help` and the client commands never pay for the socket code.
    openMulticast: async (options) => (await import("./multicast.ts")).openNodeMulticast(options),
  };
}

/**
 * Deno's fetch keeps a connection pooled even after a request that said `Connection: close`
 * when the server does not close it; an HTTP client that keeps no idle connection per host
 * closes each one after its response. Created on first use: most commands never probe.
 */
function createProbeFetch(): Runtime["probeFetch"] {
  let client: Deno.HttpClient | undefined;
  return (input, init) => {
    client ??= Deno.createHttpClient({ poolMaxIdlePerHost: 0 });
    return fetch(input, { redirect: "manual", ...init, client });
  };
}

async function probeWithDenoConnect(
  hostname: string,
  port: number,
  timeoutMs: number,
): Promise<TcpProbeResult> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const attempt = Deno.connect({ hostname, port });
  const timedOut = new Promise<"timeout">((
    resolve,
  ) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
  try {
    const result = await Promise.race([attempt, timedOut]);
    if (result === "timeout") {
      // A connection that completes after the deadline must not leak.
      attempt.then((conn) => conn.close(), () => {});
      return "timeout";
    }
    result.close();
    return "open";
  } catch (error) {
    return error instanceof Deno.errors.ConnectionRefused ? "refused" : "unreachable";
  } finally {
    clearTimeout(timer);
  }
}

/** Needs --allow-sys; without it Nexus only loses the pasteable URL, so run as if there were none. */
function readNetworkAddresses(): NetworkAddress[] {
  try {
    return Deno.networkInterfaces().map((entry) => ({
      address: entry.address,
      family: entry.family,
      // Deno does not flag loopback interfaces; their addresses say it.
      internal: entry.address.startsWith("127.") || entry.address === "::1",
    }));
  } catch {
    return [];
  }
}

/** Without --allow-env the whole environment is unreadable; run as if it were empty. */
function readEnv(): Record<string, string> {
  try {
    return Deno.env.toObject();
  } catch {
    return {};
  }
}

function writeAll(target: { writeSync(p: Uint8Array): number }, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += target.writeSync(bytes.subarray(offset));
}

/** First wait before listening again after the listener failed; doubled up to the maximum. */
const RELISTEN_FIRST_MS = 1000;
const RELISTEN_MAX_MS = 30_000;

function serveWithDeno(handler: FetchHandler, options: ServeOptions): Promise<ServerHandle> {
  // Aborting this signal closes the listener and every open connection: the forced stop.
  const closeAll = new AbortController();
  let stopped = false;
  let current: Deno.HttpServer<Deno.NetAddr>;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const listen = (port: number): Deno.HttpServer<Deno.NetAddr> => {
    const server = Deno.serve(
      {
        hostname: options.hostname,
        port,
        signal: closeAll.signal,
        onListen() {},
        onError() {
          return new Response(
            '{"error":{"message":"Internal server error","type":"server_error","param":null,"code":"internal_error"}}',
            { status: 500, headers: { "content-type": "application/json" } },
          );
        },
      },
      (request, info) => handler(request, { remoteAddress: info.remoteAddr.hostname }),
    );
    server.finished.catch((error) => {
      if (stopped) return;
      options.onListenerError?.(`stopped accepting connections: ${describe(error)}`);
      relisten(server.addr.port, RELISTEN_FIRST_MS);
    });
    return server;
  };
  const relisten = (port: number, waitMs: number) => {
    retry = setTimeout(() => {
      if (stopped) return;
      try {
        current = listen(port);
        options.onListenerError?.(`listening again on port ${port}`);
      } catch {
        relisten(port, Math.min(waitMs * 2, RELISTEN_MAX_MS));
      }
    }, waitMs);
  };
  try {
    current = listen(options.port);
  } catch (error) {
    return Promise.reject(new ServeError(`${options.hostname}:${options.port}`, { cause: error }));
  }
  const addr = current.addr;
  return Promise.resolve({
    hostname: addr.hostname,
    port: addr.port,
    async stop(force) {
      stopped = true;
      clearTimeout(retry);
      if (force) closeAll.abort();
      else await current.shutdown().catch(() => {});
      await current.finished.catch(() => {});
    },
  });
}

const STREAM_TYPES = /^(text\/event-stream|application\/x-ndjson)/i;

/**
 * A chunked whole answer, with its end held back one macrotask. Read through a JS stream reader
 * (Nexus reads whole answers that way to cap them), Deno returns the connection to its pool a
 * task after the last byte: a request sent at once — the next one in a backend's slot queue —
 * would open a second connection, and a llama.cpp server gives each open connection a worker.
 * (`arrayBuffer()` releases it at once, so a body with a Content-Length is left as it is.)
 */
function poolFriendly(response: Response): Response {
  if (
    !response.body || response.headers.has("content-length") ||
    STREAM_TYPES.test(response.headers.get("content-type") ?? "")
  ) return response;
  const settle = new TransformStream<Uint8Array, Uint8Array>({
    flush: () => new Promise<void>((resolve) => setTimeout(resolve, 0)),
  });
  return new Response(response.body.pipeThrough(settle), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function safely<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

function mapDenoFileError(error: unknown, path: string): RuntimeFileError {
  const kind: FileErrorKind = error instanceof Deno.errors.NotFound
    ? "not_found"
    : error instanceof Deno.errors.AlreadyExists
    ? "exists"
    : error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotCapable
    ? "denied"
    : "other";
  return new RuntimeFileError(kind, path, { cause: error });
}
