/**
 * A third-party mDNS responder for tests: `multicast-dns` answering queries for the services it
 * announces, announcing them unsolicited, and saying goodbye (TTL 0) when asked or stopped.
 *
 * In-process: `await startAnnouncer({ port, interface: "127.0.0.1", services })`.
 * As a process (the network-namespace test runs it inside a namespace):
 * `bun tests/helpers/mdns-announcer.ts '<json AnnouncerOptions>'` prints `announcing` once
 * ready and sends its goodbye on SIGTERM before exiting.
 */
import makeMulticastDns from "multicast-dns";
import process from "node:process";
import type { Answer } from "dns-packet";
import { goodbyeRecords, serviceRecords, type ServiceSpec } from "./mdns-packets.ts";

export interface AnnouncerOptions {
  readonly port?: number;
  readonly interface?: string;
  readonly services: readonly ServiceSpec[];
}

export interface Announcer {
  /** Sends every record unsolicited (what a responder does when it starts). */
  announce(): Promise<void>;
  /** Sends the goodbye packet and stops answering queries. */
  goodbye(): Promise<void>;
  /** Replaces the services answered from now on (an address or port change). */
  setServices(services: readonly ServiceSpec[]): void;
  /** Queries heard, as `name TYPE`. */
  readonly queries: string[];
  close(): Promise<void>;
}

export function startAnnouncer(options: AnnouncerOptions): Promise<Announcer> {
  const mdns = makeMulticastDns({
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.interface === undefined ? {} : { interface: options.interface }),
    // Bound to the interface address, Linux never delivers the group's datagrams.
    bind: "0.0.0.0",
  });
  let services = [...options.services];
  let answering = true;
  const queries: string[] = [];
  const respond = (answers: Answer[]) =>
    new Promise<void>((resolve) => mdns.respond({ answers }, () => resolve()));
  mdns.on("query", (query) => {
    for (const question of query.questions) queries.push(`${question.name} ${question.type}`);
    if (!answering) return;
    const all = services.flatMap(serviceRecords);
    const asked = new Set(query.questions.map((q) => `${q.name.toLowerCase()} ${q.type}`));
    const answers = all.filter((r) =>
      asked.has(`${r.name.toLowerCase()} ${r.type}`) || asked.has(`${r.name.toLowerCase()} ANY`)
    );
    // Like Avahi: a PTR answer brings the instance's SRV, TXT and addresses along.
    if (answers.some((record) => record.type === "PTR")) void respond(all);
    else if (answers.length > 0) void respond(answers);
  });
  mdns.on("warning", () => {});
  return new Promise((resolve, reject) => {
    mdns.once("error", reject);
    mdns.once("ready", () =>
      resolve({
        queries,
        announce: () => respond(services.flatMap(serviceRecords)),
        async goodbye() {
          answering = false;
          await respond(services.flatMap(goodbyeRecords));
        },
        setServices(next) {
          services = [...next];
        },
        close: () => new Promise<void>((done) => mdns.destroy(() => done())),
      }));
  });
}

if (import.meta.main) {
  const options = JSON.parse(process.argv[2] ?? "{}") as AnnouncerOptions;
  const announcer = await startAnnouncer(options);
  await announcer.announce();
  process.stdout.write("announcing\n");
  const stop = async () => {
    await announcer.goodbye();
    await announcer.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());
}
