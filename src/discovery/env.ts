/**
 * Socket settings from the environment, for hosts with several networks and for tests that must
 * keep mDNS on loopback: `NEXUS_MDNS_INTERFACE` (IPv4 address of the interface to use) and
 * `NEXUS_MDNS_PORT` (UDP port instead of 5353). Not config keys on purpose: almost nobody needs
 * them, and a wrong port silently finds nothing. A bad value stops startup, naming the variable.
 * @module
 */
import { ConfigError } from "../config/mod.ts";
import type { MulticastOptions } from "../runtime/mod.ts";

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function socketOptionsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): MulticastOptions {
  const iface = env.NEXUS_MDNS_INTERFACE?.trim();
  const port = env.NEXUS_MDNS_PORT?.trim();
  const issues: string[] = [];
  if (iface && !IPV4.test(iface)) {
    issues.push(
      `NEXUS_MDNS_INTERFACE: expected the IPv4 address of an interface, got "${iface}" (from env NEXUS_MDNS_INTERFACE)`,
    );
  }
  const portNumber = Number(port);
  if (port && !(/^\d+$/.test(port) && portNumber >= 1 && portNumber <= 65535)) {
    issues.push(
      `NEXUS_MDNS_PORT: expected a UDP port from 1 to 65535, got "${port}" (from env NEXUS_MDNS_PORT)`,
    );
  }
  if (issues.length) throw new ConfigError("E_CONFIG_INVALID", "Invalid configuration:", issues);
  return {
    ...(iface ? { interface: iface } : {}),
    ...(port ? { port: portNumber } : {}),
  };
}
