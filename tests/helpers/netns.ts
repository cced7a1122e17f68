/**
 * Two "hosts" for network tests: a pair of Linux network namespaces joined by a veth cable, with
 * 10.x addresses that exist only inside them, and a multicast route like a real LAN host has.
 * Nothing is added to the root namespace, so no packet of these tests can reach a real network.
 * Needs root and iproute2 (CI has both): see NETNS_NEEDS.
 */
import process from "node:process";
import { type Need, root, tool } from "./needs.ts";
import { runCommand } from "./processes.ts";

export interface Host {
  readonly namespace: string;
  readonly iface: string;
  readonly address: string;
}

export interface HostPair {
  readonly a: Host;
  readonly b: Host;
  /** `[ip, netns, exec, <namespace>, ...command]` as a command and its arguments. */
  exec(host: Host, command: string, args?: readonly string[]): [string, string[]];
  /** Deletes both namespaces (and with them the veth pair); safe to call twice. */
  remove(): Promise<void>;
}

/** For `needs(...NETNS_NEEDS).describe(…)`: what `createHostPair` needs of the machine. */
export const NETNS_NEEDS: readonly Need[] = [
  root("network namespaces (ip netns add)"),
  tool("ip", "iproute2"),
];

const PREFIX = "nexus-t";

async function ip(...args: string[]): Promise<void> {
  const result = await runCommand("ip", args);
  if (result.code !== 0) throw new Error(`ip ${args.join(" ")} failed: ${result.stderr.trim()}`);
}

/** Namespaces a crashed earlier run of these tests left behind (their pid is gone). */
async function removeStale(): Promise<void> {
  const listed = (await runCommand("ip", ["netns", "list"])).stdout;
  for (const line of listed.split("\n")) {
    const match = new RegExp(`^(${PREFIX}(\\d+)-\\w+)`).exec(line.trim());
    if (!match) continue;
    try {
      process.kill(Number(match[2]), 0);
    } catch {
      await runCommand("ip", ["netns", "del", match[1]!]);
    }
  }
}

export async function createHostPair(): Promise<HostPair> {
  await removeStale();
  const id = Math.random().toString(36).slice(2, 7);
  // 10.200-249.x.0/24: private, and only ever configured inside these two namespaces.
  const subnet = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 256)}`;
  const a = {
    namespace: `${PREFIX}${process.pid}-${id}a`,
    iface: `nxa${id}`,
    address: `${subnet}.1`,
  };
  const b = {
    namespace: `${PREFIX}${process.pid}-${id}b`,
    iface: `nxb${id}`,
    address: `${subnet}.2`,
  };
  let removed = false;
  const pair: HostPair = {
    a,
    b,
    exec: (host, command, args = []) => ["ip", ["netns", "exec", host.namespace, command, ...args]],
    async remove() {
      if (removed) return;
      removed = true;
      for (const host of [a, b]) await runCommand("ip", ["netns", "del", host.namespace]);
    },
  };
  try {
    await ip("netns", "add", a.namespace);
    await ip("netns", "add", b.namespace);
    await ip(
      "link",
      "add",
      a.iface,
      "netns",
      a.namespace,
      "type",
      "veth",
      "peer",
      "name",
      b.iface,
      "netns",
      b.namespace,
    );
    for (const host of [a, b]) {
      await ip("-n", host.namespace, "addr", "add", `${host.address}/24`, "dev", host.iface);
      await ip("-n", host.namespace, "link", "set", "lo", "up");
      await ip("-n", host.namespace, "link", "set", host.iface, "up");
      // A real host sends multicast along its default route; these have none, so say where.
      await ip("-n", host.namespace, "route", "add", "224.0.0.0/4", "dev", host.iface);
    }
  } catch (error) {
    await pair.remove();
    throw error;
  }
  return pair;
}
