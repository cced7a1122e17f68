/**
 * A real `redis-server` (Debian's package) for the shared-state tests: no persistence, bound to
 * loopback on a port nothing else uses, started and killed by the test itself. `restart` brings
 * it back on the same port, empty, as a crashed and restarted Redis comes back.
 */
import process from "node:process";
import { closedPort } from "./ports.ts";
import { type Need, tool } from "./needs.ts";
import { type RunningProcess, startProcess } from "./processes.ts";
import { loadRuntime, type RedisConnection } from "../../src/runtime/mod.ts";

export const REDIS_SERVER: Need = tool("redis-server", "redis-server");

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** The server's process id now (it changes with `restart`); -1 while it is killed. */
  readonly pid: number;
  /** SIGKILL: no goodbye to its clients. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty). */
  restart(): Promise<void>;
  /** SIGSTOP: the connection stays open and nothing answers (a stalled Redis). */
  pause(): void;
  /** SIGCONT after `pause`. */
  resume(): void;
  /** A client connection of our own (the runtime's adapter), for looking inside. */
  connect(): Promise<RedisConnection>;
}

export async function startRedis(): Promise<RedisServer> {
  const port = await closedPort();
  let proc: RunningProcess | undefined = await launch(port);
  const url = `redis://127.0.0.1:${port}`;
  return {
    url,
    port,
    get pid() {
      return proc?.pid ?? -1;
    },
    async kill() {
      await proc?.stop("SIGKILL");
      proc = undefined;
    },
    async restart() {
      proc ??= await launch(port);
    },
    pause() {
      if (proc && proc.pid > 0) process.kill(proc.pid, "SIGSTOP");
    },
    resume() {
      if (proc && proc.pid > 0) process.kill(proc.pid, "SIGCONT");
    },
    async connect() {
      const runtime = await loadRuntime();
      let ready!: () => void;
      const isReady = new Promise<void>((resolve) => (ready = resolve));
      const connection = await runtime.openRedis(url, {
        commandTimeoutMs: 2000,
        connectTimeoutMs: 2000,
        onStatus: (status) => status === "ready" && ready(),
      });
      await isReady;
      return connection;
    },
  };
}

function launch(port: number): Promise<RunningProcess> {
  return startProcess(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--loglevel",
      "notice",
    ],
    { ready: /Ready to accept connections/, what: `redis-server on port ${port}` },
  );
}
