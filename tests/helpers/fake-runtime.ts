/** An in-memory Runtime for tests: files in a Map, captured output, manual signals. */
import type {
  FetchHandler,
  NetworkAddress,
  Runtime,
  ServeOptions,
  ServerHandle,
  SignalName,
} from "../../src/runtime/mod.ts";
import { MulticastError, RuntimeFileError } from "../../src/runtime/mod.ts";

export interface FakeRuntime extends Runtime {
  readonly files: Map<string, string>;
  /** The mode each file was written with (writeFileAtomic, appendTextFile), or given in `modes`. */
  readonly modes: Map<string, number>;
  /** Datagrams sent with `sendBroadcast`, in order. */
  readonly broadcasts: Array<{ data: Uint8Array; address: string; port: number }>;
  /** Tells every `watchFile` watcher of `path` that it changed. */
  emitFileChange(path: string): void;
  readonly stdoutText: () => string;
  readonly stderrText: () => string;
  emitSignal(signal: SignalName): void;
}

export function createFakeRuntime(
  init: {
    env?: Record<string, string>;
    files?: Record<string, string>;
    addresses?: readonly NetworkAddress[];
    stderrIsTTY?: boolean;
    modes?: Record<string, number>;
    /** Makes `sendBroadcast` reject with this message. */
    broadcastError?: string;
  } = {},
): FakeRuntime {
  const files = new Map(Object.entries(init.files ?? {}));
  const modes = new Map(Object.entries(init.modes ?? {}));
  const broadcasts: FakeRuntime["broadcasts"] = [];
  const watchers = new Map<string, Set<() => void>>();
  let stdout = "";
  let stderr = "";
  const listeners = new Map<SignalName, Set<() => void>>();
  return {
    name: "bun",
    version: "test",
    env: Object.freeze({ ...init.env }),
    args: [],
    stdoutIsTTY: false,
    stderrIsTTY: init.stderrIsTTY ?? false,
    files,
    stdoutText: () => stdout,
    stderrText: () => stderr,
    serve(_handler: FetchHandler, options: ServeOptions): Promise<ServerHandle> {
      return Promise.resolve({
        hostname: options.hostname,
        port: options.port,
        stop: () => Promise.resolve(),
      });
    },
    readTextFile(path) {
      const text = files.get(path);
      return text === undefined
        ? Promise.reject(new RuntimeFileError("not_found", path))
        : Promise.resolve(text);
    },
    writeTextFile(path, text, options) {
      if (options?.createNew && files.has(path)) {
        return Promise.reject(new RuntimeFileError("exists", path));
      }
      files.set(path, text);
      return Promise.resolve();
    },
    writeFileAtomic(path, text, options) {
      files.set(path, text);
      modes.set(path, options?.mode ?? 0o644);
      return Promise.resolve();
    },
    appendTextFile(path, text, options) {
      if (!files.has(path)) modes.set(path, options?.mode ?? 0o644);
      files.set(path, (files.get(path) ?? "") + text);
      return Promise.resolve();
    },
    openRedis: () => Promise.reject(new Error("the fake runtime has no network")),
    renameFile(from, to) {
      const text = files.get(from);
      if (text === undefined) return Promise.reject(new RuntimeFileError("not_found", from));
      files.delete(from);
      files.set(to, text);
      return Promise.resolve();
    },
    fileInfo(path) {
      const text = files.get(path);
      if (text === undefined) return Promise.reject(new RuntimeFileError("not_found", path));
      return Promise.resolve({ mode: modes.get(path) ?? 0o644, size: text.length, modifiedMs: 0 });
    },
    makeDirectory: () => Promise.resolve(),
    watchFile(path, onChange) {
      const set = watchers.get(path) ?? new Set();
      watchers.set(path, set);
      set.add(onChange);
      return { close: () => void set.delete(onChange) };
    },
    emitFileChange(path) {
      for (const listener of [...(watchers.get(path) ?? [])]) listener();
    },
    sendBroadcast(data, address, port) {
      if (init.broadcastError) return Promise.reject(new Error(init.broadcastError));
      broadcasts.push({ data, address, port });
      return Promise.resolve();
    },
    modes,
    broadcasts,
    onSignal(signal, listener) {
      const set = listeners.get(signal) ?? new Set();
      listeners.set(signal, set);
      set.add(listener);
      return () => set.delete(listener);
    },
    emitSignal(signal) {
      for (const listener of [...(listeners.get(signal) ?? [])]) listener();
    },
    writeStdout: (text) => void (stdout += text),
    writeStderr: (text) => void (stderr += text),
    exit(code): never {
      throw new Error(`exit(${code}) called`);
    },
    networkAddresses: () => init.addresses ?? [],
    residentMemoryBytes: () => undefined,
    hostname: () => "fake-host",
    networkInterfaces: () => [{ address: "127.0.0.1", cidr: "127.0.0.1/8" }],
    fetch: (input, init) => fetch(input, init),
    probeFetch: (input, init) => fetch(input, init),
    tcpProbe: () => Promise.resolve("open"),
    prepareToServe: () => Promise.resolve(undefined),
    openMulticast: () => Promise.reject(new MulticastError("the fake runtime has no network")),
  };
}
