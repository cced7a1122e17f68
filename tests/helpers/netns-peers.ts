/**
 * The peers the network tests run inside their namespaces: a mock LLM server on the host's veth
 * address, the `multicast-dns` announcer, and `nexus serve` under Bun or Deno.
 */
import type { ServiceSpec } from "./mdns-packets.ts";
import type { Host, HostPair } from "./netns.ts";
import {
  nexusCommand,
  ownStateHome,
  type RunningProcess,
  type RuntimeName,
  startProcess,
} from "./processes.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const BUN = `${ROOT}node_modules/.bin/bun`;

export interface MockServer {
  readonly process: RunningProcess;
  readonly url: string;
  readonly port: number;
}

export async function startMockIn(
  pair: HostPair,
  host: Host,
  flavor: string,
  models: readonly string[],
): Promise<MockServer> {
  const [command, args] = pair.exec(host, BUN, [
    `${ROOT}tests/mock/cli.ts`,
    "--host",
    host.address,
    "--port",
    "0",
    "--flavor",
    flavor,
    "--models",
    models.join(","),
  ]);
  const process = await startProcess(command, args, {
    ready: /mock-upstream listening (http:\/\/\S+)/,
    what: `the mock ${flavor} in ${host.namespace}`,
  });
  const url = process.ready[1]!;
  return { process, url, port: Number(new URL(url).port) };
}

/** The multicast-dns announcer on the real mDNS port, all interfaces, like a LAN responder. */
export function startAnnouncerIn(
  pair: HostPair,
  host: Host,
  services: readonly ServiceSpec[],
): Promise<RunningProcess> {
  const [command, args] = pair.exec(host, BUN, [
    `${ROOT}tests/helpers/mdns-announcer.ts`,
    JSON.stringify({ services }),
  ]);
  return startProcess(command, args, {
    ready: /^announcing$/m,
    what: `the announcer in ${host.namespace}`,
  });
}

export interface NexusIn {
  readonly runtime: RuntimeName;
  readonly process: RunningProcess;
  /** Reachable only from inside the namespace. */
  readonly url: string;
}

/** `nexus serve` with default discovery settings (port 5353, every interface) in `host`. */
export async function startNexusIn(
  pair: HostPair,
  host: Host,
  runtime: RuntimeName,
  configPath: string,
): Promise<NexusIn> {
  const [nexus, nexusArgs] = nexusCommand(runtime, [
    "serve",
    "-p",
    "0",
    "-H",
    "127.0.0.1",
    "-c",
    configPath,
  ]);
  const [command, args] = pair.exec(host, nexus, nexusArgs);
  const home = ownStateHome(undefined);
  const process = await startProcess(command, args, {
    ready: /Nexus listening.*address=(http:\/\/\S+)/,
    what: `nexus serve (${runtime}) in ${host.namespace}`,
    env: { NEXUS_LOG_LEVEL: "debug", ...home.env },
    timeoutMs: 30_000,
  }).catch((error) => {
    home.remove();
    throw error;
  });
  void process.exited.finally(home.remove);
  return { runtime, process, url: process.ready[1]! };
}
