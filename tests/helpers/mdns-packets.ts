/**
 * Real mDNS packets for tests, built with `dns-packet` (the encoder behind `multicast-dns`), so
 * Nexus's own decoder is checked against an independent implementation; plus a fake multicast
 * socket that records what discovery sends and lets a test deliver datagrams.
 */
import { Buffer } from "node:buffer";
import dnsPacket from "dns-packet";
import type { Answer } from "dns-packet";
import type { Datagram, MulticastOptions, MulticastSocket } from "../../src/runtime/mod.ts";

export interface ServiceSpec {
  /** Instance label, e.g. `ollama gpu1`. */
  readonly instance: string;
  /** `_ollama._tcp.local`. */
  readonly service: string;
  /** SRV target, e.g. `gpu1.local`. */
  readonly host: string;
  readonly port: number;
  readonly addresses: readonly string[];
  readonly txt?: readonly string[];
  /** TTL of every record (Avahi: 120 s for SRV and addresses, 4500 s for PTR and TXT). */
  readonly ttl?: number;
}

/** PTR, SRV, TXT, A/AAAA as Avahi announces them (cache-flush on the unique records). */
export function serviceRecords(spec: ServiceSpec): Answer[] {
  const fullName = `${spec.instance}.${spec.service}`;
  const ttl = spec.ttl ?? 120;
  return [
    { name: spec.service, type: "PTR", ttl, data: fullName },
    {
      name: fullName,
      type: "SRV",
      ttl,
      flush: true,
      data: { priority: 0, weight: 0, port: spec.port, target: spec.host },
    },
    { name: fullName, type: "TXT", ttl, flush: true, data: [...(spec.txt ?? [])] },
    ...spec.addresses.map((address): Answer => ({
      name: spec.host,
      type: address.includes(":") ? "AAAA" : "A",
      ttl,
      flush: true,
      data: address,
    })),
  ];
}

/**
 * The service's records with TTL 0: "this service is going away" (RFC 6762 §10.1). Like Avahi,
 * the host's addresses stay: the host is still there, other services may use them.
 */
export function goodbyeRecords(spec: ServiceSpec): Answer[] {
  return serviceRecords(spec).map((record) =>
    record.type === "A" || record.type === "AAAA" ? record : { ...record, ttl: 0 } as Answer
  );
}

export function responsePacket(answers: Answer[], additionals: Answer[] = []): Uint8Array {
  return new Uint8Array(dnsPacket.encode({
    type: "response",
    id: 0,
    flags: dnsPacket.AUTHORITATIVE_ANSWER,
    answers,
    additionals,
  }));
}

export function queryPacket(name: string, type: "PTR" | "SRV" | "TXT" | "A"): Uint8Array {
  return new Uint8Array(dnsPacket.encode({ type: "query", id: 0, questions: [{ name, type }] }));
}

/** Decodes what discovery sent, with dns-packet. */
export function decodeSent(bytes: Uint8Array): dnsPacket.Packet {
  return dnsPacket.decode(Buffer.from(bytes));
}

/** Questions in a sent query, as `name TYPE` strings. */
export function sentQuestions(bytes: Uint8Array): string[] {
  return (decodeSent(bytes).questions ?? []).map((q) => `${q.name} ${q.type}`);
}

export interface FakeMulticast {
  readonly port: number;
  /** Every datagram discovery sent. */
  readonly sent: Uint8Array[];
  /** The options discovery opened the socket with. */
  readonly opened: MulticastOptions[];
  readonly open: (options: MulticastOptions) => Promise<MulticastSocket>;
  /** Delivers a datagram to the open socket, from `address` and the mDNS port by default. */
  deliver(data: Uint8Array, from?: { address?: string; port?: number }): void;
  closed(): boolean;
}

export function createFakeMulticast(
  options: { port?: number; sendError?: Error } = {},
): FakeMulticast {
  const port = options.port ?? 5353;
  const sent: Uint8Array[] = [];
  const opened: MulticastOptions[] = [];
  const listeners = new Set<(datagram: Datagram) => void>();
  let isClosed = false;
  const socket: MulticastSocket = {
    port,
    send(data) {
      sent.push(data);
      return options.sendError ? Promise.reject(options.sendError) : Promise.resolve();
    },
    onMessage(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onError: () => () => {},
    close() {
      isClosed = true;
      return Promise.resolve();
    },
  };
  return {
    port,
    sent,
    opened,
    open(options) {
      opened.push(options);
      return Promise.resolve(socket);
    },
    deliver(data, from = {}) {
      const datagram = { data, address: from.address ?? "10.0.0.9", port: from.port ?? port };
      for (const listener of listeners) listener(datagram);
    },
    closed: () => isClosed,
  };
}
