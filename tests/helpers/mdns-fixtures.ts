/**
 * Real packets captured from avahi-daemon 0.8 (Debian 12) in a test network namespace: host
 * `gpu-box` at 10.231.9.1 publishing `avahi-publish -s "ollama gpu1" _ollama._tcp 11434
 * type=ollama version=0.5.7`. Stored as hex in tests/fixtures/mdns/.
 */
import { readFileSync } from "node:fs";

export type AvahiCapture = "announce" | "goodbye" | "host";

const FIXTURES = new URL("../fixtures/mdns/", import.meta.url);

export function avahiPacket(name: AvahiCapture): Uint8Array {
  const hex = readFileSync(new URL(`avahi-${name}.hex`, FIXTURES).pathname, "utf8").trim();
  return Uint8Array.from(hex.match(/../g)!.map((byte) => parseInt(byte, 16)));
}
