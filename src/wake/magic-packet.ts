/**
 * Wake-on-LAN's magic packet: six 0xFF bytes, then the target's MAC address sixteen times
 * (102 bytes), sent as one UDP datagram to the LAN's broadcast address. The network card of a
 * sleeping machine looks for exactly this pattern.
 * @module
 */

export const MAGIC_PACKET_BYTES = 102;

/** `aa:bb:cc:dd:ee:ff` (or with dashes) → the packet; throws on anything else. */
export function magicPacket(mac: string): Uint8Array {
  const bytes = parseMac(mac);
  const packet = new Uint8Array(MAGIC_PACKET_BYTES);
  packet.fill(0xff, 0, 6);
  for (let i = 0; i < 16; i++) packet.set(bytes, 6 + i * 6);
  return packet;
}

/** The six bytes of a MAC address written `aa:bb:cc:dd:ee:ff` or `aa-bb-cc-dd-ee-ff`. */
export function parseMac(mac: string): Uint8Array {
  const parts = mac.trim().split(/[:-]/);
  if (parts.length !== 6 || parts.some((part) => !/^[0-9a-f]{2}$/i.test(part))) {
    throw new TypeError(`not a MAC address: "${mac}" (expected aa:bb:cc:dd:ee:ff)`);
  }
  return new Uint8Array(parts.map((part) => parseInt(part, 16)));
}

/** The MAC address a magic packet wakes, or undefined when `data` is not one. */
export function macOfMagicPacket(data: Uint8Array): string | undefined {
  if (data.length < MAGIC_PACKET_BYTES) return undefined;
  for (let i = 0; i < 6; i++) if (data[i] !== 0xff) return undefined;
  const mac = data.subarray(6, 12);
  for (let i = 1; i < 16; i++) {
    for (let j = 0; j < 6; j++) if (data[6 + i * 6 + j] !== mac[j]) return undefined;
  }
  return [...mac].map((byte) => byte.toString(16).padStart(2, "0")).join(":");
}
