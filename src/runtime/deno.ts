/**
 * Deno adapter. `Deno.serve().shutdown()` waits for open streams forever, so a forced stop
 * aborts the server's signal instead, which closes every connection at once.
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
import { appendTextFile, writeFileAtomic } from "./files.ts";

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
    async readTextFile(path) {
      try {
        return await Deno.readTextFile(path);
      } catch (error) {
        throw mapDenoFileError(error, path);
      }
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
    onSignal(signal, listener) {
      Deno.addSignalListener(signal, listener);
      return () => Deno.removeSignalListener(signal, listener);
    },
    writeStdout: (text) => writeAll(Deno.stdout, encoder.encode(text)),
    writeStderr: (text) => writeAll(Deno.stderr, encoder.encode(text)),
    exit: (code) => Deno.exit(code),
    networkAddresses: readNetworkAddresses,
    residentMemoryBytes: () => Deno.memoryUsage().rss,
    fetch: (input, init) => fetch(input, init),
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
    return fetch(input, { ...init, client });
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

function serveWithDeno(handler: FetchHandler, options: ServeOptions): Promise<ServerHandle> {
  return new Promise((resolve, reject) => {
    try {
      // Aborting this signal closes the listener and every open connection: the forced stop.
      const closeAll = new AbortController();
      const server = Deno.serve({
        hostname: options.hostname,
        port: options.port,
        signal: closeAll.signal,
        onListen() {},
        onError() {
          return new Response(
            '{"error":{"message":"Internal server error","type":"server_error","param":null,"code":"internal_error"}}',
            { status: 500, headers: { "content-type": "application/json" } },
          );
        },
      }, (request, info) => handler(request, { remoteAddress: info.remoteAddr.hostname }));
      const addr = server.addr as Deno.NetAddr;
      resolve({
        hostname: addr.hostname,
        port: addr.port,
        async stop(force) {
          if (force) closeAll.abort();
          else await server.shutdown();
          await server.finished;
        },
      });
    } catch (error) {
      reject(new ServeError(`${options.hostname}:${options.port}`, { cause: error }));
    }
  });
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
