/**
 * `nexus serve`: load the config, start the gateway, and run until SIGINT/SIGTERM. The first
 * signal drains (up to `server.shutdown_timeout_seconds`), a second one exits at once. SIGHUP
 * reloads the config (as do `[server] watch_config` and `nexus reload`): a valid one is applied
 * as a diff, an invalid one changes nothing. Backends added at run time are kept in the state
 * file and restored here.
 * @module
 */
import { type ConfigFlags, loadConfig, stateFilePath, writablePath } from "../config/mod.ts";
import { ConfigWatch } from "../reload/mod.ts";
import { StateFile } from "../statefile/mod.ts";
import { withDeadline } from "../lib/async.ts";
import { socketOptionsFromEnv } from "../discovery/mod.ts";
import { systemClock } from "../lib/clock.ts";
import { Logger } from "../lib/logger.ts";
import { BatchedWriter } from "../lib/batched-writer.ts";
import { NexusError } from "../lib/errors.ts";
import {
  type FetchHandler,
  type Runtime,
  ServeError,
  type ServerHandle,
  type SignalName,
} from "../runtime/mod.ts";
import { VERSION } from "../version.ts";
import { createGateway } from "../gateway.ts";
import { bindLabel, isWildcard, noBackendsHint, reachableHost } from "./serve-hints.ts";
import type { CommandHandler } from "./spec.ts";

export const serveCommand: CommandHandler = async ({ runtime, values }) => {
  // First, before any work worth keeping: on Bun this may re-execute the process.
  const limited = await runtime.prepareToServe();
  // One write every few ms instead of one per request line (src/lib/batched-writer.ts).
  const output = new BatchedWriter((text) => runtime.writeStdout(text), systemClock);
  try {
    return await serve(runtime, values, limited, output);
  } finally {
    output.flush();
  }
};

async function serve(
  runtime: Runtime,
  values: Parameters<CommandHandler>[0]["values"],
  limited: string | undefined,
  output: BatchedWriter,
): Promise<number> {
  const loadOptions = {
    runtime,
    env: runtime.env,
    flags: values as ConfigFlags & { config?: string },
  };
  const { config, path, warnings } = await loadConfig(loadOptions);
  const logger = new Logger({
    level: config.logging.level,
    format: config.logging.format,
    write: (line) => output.write(line),
    flush: () => output.flush(),
    colour: runtime.stdoutIsTTY && !runtime.env.NO_COLOR,
  });
  for (const warning of warnings) logger.warn(`config: ${warning}`);
  if (limited) logger.warn(limited);
  const mdnsSocket = socketOptionsFromEnv(runtime.env);

  // Listen for signals before announcing the address: a signal that arrives between the log line
  // and the listener would otherwise kill the process without a drain.
  const signals = watchSignals(runtime, () => output.flush());
  // SIGHUP's default action ends the process: listen from the start, reload once there is a gateway.
  const reloads: { run?: (source: string) => void } = {};
  const hangup = runtime.onSignal("SIGHUP", () => {
    if (reloads.run) reloads.run("SIGHUP");
    else logger.warn("SIGHUP while starting: not reloaded (send it again once Nexus listens)");
  });
  const stateFile = new StateFile({
    path: stateFilePath(path, config.server.state_file, runtime.env),
    files: runtime,
    clock: systemClock,
    logger,
  });
  await stateFile.load();
  const interfaces = runtime.networkInterfaces();
  const hostName = runtime.hostname();
  const gateway = createGateway({
    config,
    env: runtime.env,
    logger,
    clock: systemClock,
    fetch: runtime.fetch,
    probeFetch: runtime.probeFetch,
    tcpProbe: runtime.tcpProbe,
    discovery: { openSocket: (options) => runtime.openMulticast(options), socket: mdnsSocket },
    files: runtime,
    keysFile: writablePath(path, config.auth.keys_file, runtime.env),
    openRedis: (url, options) => runtime.openRedis(url, options),
    ...(interfaces ? { interfaces } : {}),
    ...(hostName ? { hostName } : {}),
    sendBroadcast: (data, address, port) => runtime.sendBroadcast(data, address, port),
    // A reload reads the file this start read: ./nexus.toml, found without -c, then deleted is
    // a rejected reload naming it, not a reload onto the defaults (every backend removed).
    loadConfig: () =>
      loadConfig(
        path === undefined
          ? loadOptions
          : { ...loadOptions, flags: { ...loadOptions.flags, config: path } },
      ),
    stateFile,
  });
  reloads.run = (source) => void gateway.reload(source);
  const watch = path === undefined ? undefined : new ConfigWatch({
    path,
    watchFile: (file, onChange) => runtime.watchFile(file, onChange),
    clock: systemClock,
    logger,
    reload: () => reloads.run!("file change"),
  });
  if (config.server.watch_config) watch?.start();
  gateway.onReload((next) => {
    if (next.server.watch_config) watch?.start();
    else watch?.stop();
    return [];
  });
  // Keys are known before the first request can arrive; a broken keys file stops the start.
  await gateway.prepare();
  const server = await runtime.serve(gateway.fetch, {
    hostname: config.server.host,
    port: config.server.port,
    // Out of file descriptors: open connections are still served; say what happened.
    onListenerError: (message) => logger.warn(`listener ${message}`),
  });
  const ollamaServer = await serveOllamaPort(runtime, gateway.fetch, config.server, server, logger);
  // The first health round runs while the server already answers: /health is up at once, and
  // each backend becomes routable as soon as its own probe succeeds.
  void gateway.start();
  // A URL a person can paste: for a wildcard bind, this host's address rather than 0.0.0.0.
  const address = `http://${
    reachableHost(server.hostname, runtime.networkAddresses())
  }:${server.port}`;
  logger.info("Nexus listening", {
    address,
    bind: isWildcard(server.hostname) ? bindLabel(server.hostname, server.port) : undefined,
    ollama: ollamaServer
      ? `http://${
        reachableHost(ollamaServer.hostname, runtime.networkAddresses())
      }:${ollamaServer.port}`
      : undefined,
    version: VERSION,
    runtime: `${runtime.name} ${runtime.version}`,
    config: path ?? "defaults (no nexus.toml)",
    state_file: stateFile.path,
    backends: gateway.registry.size,
    discovery: config.discovery.enabled,
    auth: config.auth.mode,
    redis: gateway.redis?.target,
    health_check: config.health_check.enabled,
  });
  if (gateway.registry.size === 0) {
    const hint = noBackendsHint({
      serverUrl: address,
      discovery: config.discovery.enabled,
      keys: config.auth.mode === "keys",
    });
    for (const line of hint) logger.info(line);
  }

  const signal = await signals.first;
  watch?.stop();
  hangup();
  const timeoutSeconds = config.server.shutdown_timeout_seconds;
  logger.info("Shutting down", {
    signal,
    timeout_seconds: timeoutSeconds,
    in_flight: gateway.inflight.count,
  });
  // The listener stays open while draining, so late clients get a clear 503, not a refused connection.
  const drained = await gateway.drain(timeoutSeconds * 1000);
  if (!drained) logger.warn("Shutdown deadline passed; ended the requests still running");
  // A finished request may still have bytes on their way out: close gently first, then force.
  const servers = ollamaServer ? [server, ollamaServer] : [server];
  await Promise.all(servers.map(async (listener) => {
    if (!(await withDeadline(listener.stop(false), 1000, systemClock))) await listener.stop(true);
  }));
  signals.remove();
  logger.info("Stopped");
  return 0;
}

/**
 * `[server] ollama_port`: the same app on Ollama's port, so clients set up for
 * `http://host:11434` need no change. A port already taken ends the start with a line naming it
 * and the usual culprit (Ollama itself still running there); the main listener is closed first.
 */
async function serveOllamaPort(
  runtime: Runtime,
  fetch: FetchHandler,
  settings: { readonly host: string; readonly ollama_port?: number | undefined },
  main: ServerHandle,
  logger: Logger,
): Promise<ServerHandle | undefined> {
  if (settings.ollama_port === undefined) return undefined;
  try {
    return await runtime.serve(fetch, {
      hostname: settings.host,
      port: settings.ollama_port,
      onListenerError: (message) => logger.warn(`Ollama port listener ${message}`),
    });
  } catch (error) {
    await main.stop(true);
    if (!(error instanceof ServeError)) throw error;
    throw new NexusError(
      "E_OLLAMA_PORT",
      `${error.message} ([server] ollama_port = ${settings.ollama_port}). ` +
        `Is Ollama itself still running on port ${settings.ollama_port}? Stop it ` +
        `(systemctl stop ollama) or move it (OLLAMA_HOST=127.0.0.1:11435) and add it as a ` +
        `backend, or choose another port with --ollama-port.`,
      { cause: error },
    );
  }
}

/**
 * One set of listeners for the whole run: the first signal resolves (drain), any later one
 * exits at once. Swapping listeners between the two would leave a gap in which a second signal
 * meets the default action and kills the process without our exit code (seen on Deno).
 */
function watchSignals(
  runtime: Runtime,
  flush: () => void,
): { first: Promise<SignalName>; remove: () => void } {
  let received = false;
  let resolveFirst!: (signal: SignalName) => void;
  const first = new Promise<SignalName>((resolve) => (resolveFirst = resolve));
  const removers = (["SIGINT", "SIGTERM"] as const).map((name) =>
    runtime.onSignal(name, () => {
      if (received) {
        flush();
        runtime.exit(130);
      }
      received = true;
      resolveFirst(name);
    })
  );
  return { first, remove: () => removers.forEach((remove) => remove()) };
}
