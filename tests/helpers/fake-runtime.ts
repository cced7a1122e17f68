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
  /** The mode each file was written with (writeFileAtomic, appendTextFile). */
  readonly modes: Map<string, number>;
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
  } = {},
): FakeRuntime {
  const files = new Map(Object.entries(init.files ?? {}));
  const modes = new Map<string, number>();
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
    modes,
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
    fetch: (input, init) => fetch(input, init),
    probeFetch: (input, init) => fetch(input, init),
    tcpProbe: () => Promise.resolve("open"),
    prepareToServe: () => Promise.resolve(undefined),
    openMulticast: () => Promise.reject(new MulticastError("the fake runtime has no network")),
  };
}
