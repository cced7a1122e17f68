/**
 * `nexus serve`: load the config, start the gateway, and run until SIGINT/SIGTERM. The first
 * signal drains (up to `server.shutdown_timeout_seconds`), a second one exits at once.
 * @module
 */
import { type ConfigFlags, loadConfig } from "../config/mod.ts";
import { socketOptionsFromEnv } from "../discovery/mod.ts";
import { systemClock } from "../lib/clock.ts";
import { Logger } from "../lib/logger.ts";
import type { Runtime, SignalName } from "../runtime/mod.ts";
import { VERSION } from "../version.ts";
import { createGateway } from "../gateway.ts";
import type { CommandHandler } from "./spec.ts";

export const serveCommand: CommandHandler = async ({ runtime, values }) => {
  const { config, path, warnings } = await loadConfig({
    runtime,
    env: runtime.env,
    flags: values as ConfigFlags & { config?: string },
  });
  const logger = new Logger({
    level: config.logging.level,
    format: config.logging.format,
    write: (line) => runtime.writeStdout(line),
    colour: runtime.stdoutIsTTY && !runtime.env.NO_COLOR,
  });
  for (const warning of warnings) logger.warn(`config: ${warning}`);
  const mdnsSocket = socketOptionsFromEnv(runtime.env);

  // Listen for signals before announcing the address: a signal that arrives between the log line
  // and the listener would otherwise kill the process without a drain.
  const shutdownSignal = nextSignal(runtime);
  const gateway = createGateway({
    config,
    env: runtime.env,
    logger,
    clock: systemClock,
    discovery: { openSocket: (options) => runtime.openMulticast(options), socket: mdnsSocket },
  });
  const server = await runtime.serve(gateway.fetch, {
    hostname: config.server.host,
    port: config.server.port,
  });
  // The first health round runs while the server already answers: /health is up at once, and
  // each backend becomes routable as soon as its own probe succeeds.
  void gateway.start();
  logger.info("Nexus listening", {
    address: `http://${formatHost(server.hostname)}:${server.port}`,
    version: VERSION,
    runtime: `${runtime.name} ${runtime.version}`,
    config: path ?? "defaults (no nexus.toml)",
    backends: config.backends.length,
    discovery: config.discovery.enabled,
    health_check: config.health_check.enabled,
  });

  const signal = await shutdownSignal;
  logger.info("Shutting down", { signal, timeout_seconds: config.server.shutdown_timeout_seconds });
  const forceExit = runtime.onSignal(signal, () => runtime.exit(130));
  await gateway.stop();
  const drained = await withDeadline(
    server.stop(false),
    config.server.shutdown_timeout_seconds * 1000,
  );
  if (!drained) {
    logger.warn("Shutdown deadline passed; closing open connections");
    await server.stop(true);
  }
  forceExit();
  logger.info("Stopped");
  return 0;
};

function nextSignal(runtime: Runtime): Promise<SignalName> {
  return new Promise((resolve) => {
    const removers = (["SIGINT", "SIGTERM"] as const).map((name) =>
      runtime.onSignal(name, () => {
        for (const remove of removers) remove();
        resolve(name);
      })
    );
  });
}

/** Resolves true when `work` settles in time, false when the deadline passes first. */
function withDeadline(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<boolean>((
    resolve,
  ) => (timer = setTimeout(() => resolve(false), ms)));
  return Promise.race([work.then(() => true, () => true), deadline]).finally(() =>
    clearTimeout(timer)
  );
}

function formatHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}
