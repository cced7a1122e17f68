/**
 * Runtime selection: the only place that asks which runtime is running. Each adapter is loaded
 * by a literal dynamic import so `bun build --compile` bundles both and evaluates one.
 * @module
 */
export type {
  ConnInfo,
  Datagram,
  FetchHandler,
  FileErrorKind,
  FileInfo,
  FileWatch,
  InterfaceAddress,
  MulticastOptions,
  MulticastSocket,
  NetworkAddress,
  RedisConnection,
  RedisOptions,
  RedisScript,
  Runtime,
  ServeOptions,
  ServerHandle,
  SignalName,
  TcpProbeResult,
} from "./types.ts";
export { MulticastError, RuntimeFileError, ServeError } from "./types.ts";

import type { Runtime } from "./types.ts";

export async function loadRuntime(): Promise<Runtime> {
  if (typeof (globalThis as { Bun?: unknown }).Bun !== "undefined") {
    const { createBunRuntime } = await import("./bun.ts");
    return createBunRuntime();
  }
  if (typeof (globalThis as { Deno?: unknown }).Deno !== "undefined") {
    const { createDenoRuntime } = await import("./deno.ts");
    return createDenoRuntime();
  }
  throw new TypeError("Cannot start Nexus: unsupported runtime (run it with Bun or Deno)");
}
