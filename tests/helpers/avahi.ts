/**
 * A real third-party mDNS responder for tests: Debian's avahi-daemon, confined to a network
 * namespace the test made. It gets its own D-Bus (a private dbus-daemon on a socket in the test's
 * directory), its own config (only the namespace's veth, IPv4 only, no wide-area), a private
 * `/run` (pid file, socket) and a private `/etc/avahi/services` through `unshare --mount` — so it
 * never sees the host's network, bus or services.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Need, tool } from "./needs.ts";
import type { Host, HostPair } from "./netns.ts";
import { type RunningProcess, startProcess } from "./processes.ts";

export interface Avahi {
  /** The host name Avahi announces (`<hostName>.local` → the host's veth address). */
  readonly hostName: string;
  /** `avahi-publish -s NAME TYPE PORT TXT…`, ready once Avahi has registered it. */
  publish(
    name: string,
    type: string,
    port: number,
    txt: readonly string[],
  ): Promise<RunningProcess>;
  stop(): Promise<void>;
}

/** For `needs(...AVAHI_NEEDS).describe(…)`: the Debian tools `startAvahi` runs. */
export const AVAHI_NEEDS: readonly Need[] = [
  tool("avahi-daemon", "avahi-daemon"),
  tool("avahi-publish", "avahi-utils"),
  tool("dbus-daemon", "dbus"),
  tool("unshare", "util-linux"),
];

export async function startAvahi(
  pair: HostPair,
  host: Host,
  dir: string,
  services: Readonly<Record<string, string>> = {},
): Promise<Avahi> {
  const hostName = `nexus-avahi-${Math.random().toString(36).slice(2, 8)}`;
  const servicesDir = join(dir, "services");
  mkdirSync(servicesDir, { recursive: true });
  for (const [file, xml] of Object.entries(services)) writeFileSync(join(servicesDir, file), xml);
  const busSocket = join(dir, "system_bus_socket");
  writeFileSync(join(dir, "bus.conf"), busConfig(busSocket));
  writeFileSync(join(dir, "avahi-daemon.conf"), avahiConfig(hostName, host.iface));
  const env = { DBUS_SYSTEM_BUS_ADDRESS: `unix:path=${busSocket}` };

  const [busCommand, busArgs] = pair.exec(host, "dbus-daemon", [
    `--config-file=${join(dir, "bus.conf")}`,
    "--nofork",
    "--nopidfile",
    "--print-address",
  ]);
  const bus = await startProcess(busCommand, busArgs, {
    ready: /^unix:path=/m,
    what: "the test's dbus-daemon",
  });
  const confine = [
    "mount -t tmpfs tmpfs /run",
    `mount --bind ${servicesDir} /etc/avahi/services`,
    `exec avahi-daemon -f ${
      join(dir, "avahi-daemon.conf")
    } --no-drop-root --no-chroot --no-rlimits`,
  ].join(" && ");
  const [daemonCommand, daemonArgs] = pair.exec(host, "unshare", ["--mount", "sh", "-c", confine]);
  let daemon: RunningProcess;
  try {
    daemon = await startProcess(daemonCommand, daemonArgs, {
      ready: /Server startup complete/,
      what: "avahi-daemon",
      env,
    });
  } catch (error) {
    await bus.stop();
    throw error;
  }
  const publishers: RunningProcess[] = [];
  return {
    hostName,
    async publish(name, type, port, txt) {
      const [command, args] = pair.exec(host, "avahi-publish", [
        "-s",
        name,
        type,
        String(port),
        ...txt,
      ]);
      const publisher = await startProcess(command, args, {
        ready: /Established under name/,
        what: `avahi-publish ${name}`,
        env,
      });
      publishers.push(publisher);
      return publisher;
    },
    async stop() {
      for (const publisher of publishers) await publisher.stop();
      await daemon.stop();
      await bus.stop();
    },
  };
}

/** A system bus for this test alone; everyone on it may do anything (it is ours). */
function busConfig(socket: string): string {
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
`;
}

function avahiConfig(hostName: string, iface: string): string {
  return `[server]
host-name=${hostName}
domain-name=local
use-ipv4=yes
use-ipv6=no
allow-interfaces=${iface}
enable-dbus=yes
disallow-other-stacks=no

[wide-area]
enable-wide-area=no

[publish]
publish-hinfo=no
publish-workstation=no
publish-domain=no

[reflector]
enable-reflector=no
`;
}
