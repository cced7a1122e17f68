/**
 * Wake-on-LAN: the magic packet, and the `Waker` that wakes sleeping backends for requests
 * (shared attempts, packets repeated until the backend answers, a deadline).
 *
 * ```ts
 * const waker = new Waker({ registry, clock, logger, send: runtime.sendBroadcast, probe: (b) => health.check(b) });
 * const failure = await waker.wait(decision.wake, request.signal); // undefined: one is up
 * ```
 * @module
 */
export { macOfMagicPacket, MAGIC_PACKET_BYTES, magicPacket, parseMac } from "./magic-packet.ts";
export {
  RESEND_MS,
  WAKE_PROBE_MS,
  type WakeHooks,
  Waker,
  type WakerDeps,
  type WakeResult,
} from "./waker.ts";
