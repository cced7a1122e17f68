/**
 * One UDP datagram to a broadcast address (Wake-on-LAN's magic packet), for both adapters:
 * `node:dgram` is real on Bun and Deno, `setBroadcast` included (measured on both). Each send
 * opens its own socket and closes it: wakes are rare, and a socket kept open would be one more
 * thing to close on shutdown.
 * @module
 */
import { createSocket } from "node:dgram";

/** Resolves once the OS took the datagram; rejects with the OS's reason otherwise. */
export function sendBroadcast(data: Uint8Array, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let socket: ReturnType<typeof createSocket>;
    try {
      socket = createSocket({ type: "udp4" });
    } catch (error) {
      return reject(error);
    }
    const fail = (error: unknown) => {
      try {
        socket.close();
      } catch {
        // Already closed.
      }
      reject(error);
    };
    socket.once("error", fail);
    socket.bind(0, () => {
      try {
        socket.setBroadcast(true);
      } catch (error) {
        return fail(error);
      }
      socket.send(data, port, address, (error) => {
        if (error) return fail(error);
        socket.close();
        resolve();
      });
    });
  });
}
