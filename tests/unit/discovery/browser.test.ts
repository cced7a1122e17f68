/**
 * The browser state machine with real packets (Avahi captures and dns-packet) and a fake clock:
 * what it asks and when, found / changed / lost, TTLs, goodbyes and cache-flush.
 */
import { describe, expect, test } from "bun:test";
import type { Answer } from "dns-packet";
import { type BrowserEvent, parseServiceType, ServiceBrowser } from "../../../src/discovery/mod.ts";
import { FakeClock } from "../../helpers/fake-clock.ts";
import { avahiPacket } from "../../helpers/mdns-fixtures.ts";
import {
  goodbyeRecords,
  queryPacket,
  responsePacket,
  sentQuestions,
  serviceRecords,
  type ServiceSpec,
} from "../../helpers/mdns-packets.ts";

const GPU: ServiceSpec = {
  instance: "gpu1",
  service: "_ollama._tcp.local",
  host: "gpu1.local",
  port: 11434,
  addresses: ["10.0.0.5"],
  txt: ["type=ollama", "version=0.5.7"],
  ttl: 120,
};

function setup(serviceTypes = ["_ollama._tcp", "_llm._tcp"]) {
  const clock = new FakeClock();
  const sent: Array<{ at: number; questions: string[] }> = [];
  const events: string[] = [];
  const browser = new ServiceBrowser({
    clock,
    serviceTypes: serviceTypes.map(parseServiceType),
    port: 5353,
    send: (bytes) => sent.push({ at: clock.now() - start, questions: sentQuestions(bytes) }),
    onEvent: (event: BrowserEvent) => events.push(show(event)),
  });
  const start = clock.now();
  const deliver = (packet: Uint8Array, port = 5353) =>
    browser.handleDatagram({ data: packet, address: "10.0.0.9", port });
  const announce = (...records: Answer[]) => deliver(responsePacket(records));
  browser.start();
  return { clock, sent, events, browser, deliver, announce };
}

function show(event: BrowserEvent): string {
  const { service } = event;
  const base = `${event.kind} ${service.instance} ${service.type} ${service.url}`;
  if (event.kind === "lost") return `${base} (${event.reason})`;
  if (event.kind === "changed") return `${base} (was ${event.previous.url})`;
  return service.version ? `${base} v${service.version}` : base;
}

const ptrOnly = (spec: ServiceSpec) => serviceRecords(spec).filter((r) => r.type === "PTR");
const withoutType = (spec: ServiceSpec, ...types: string[]) =>
  serviceRecords(spec).filter((r) => !types.includes(r.type));

describe("ServiceBrowser queries", () => {
  test("browses at once, then after 1 s, 2 s, 4 s … capped at 60 s", () => {
    const { clock, sent } = setup();
    for (let i = 0; i < 250; i++) clock.advance(1000);
    expect(sent.map((s) => s.at)).toEqual([
      0,
      1000,
      3000,
      7000,
      15000,
      31000,
      63000,
      123000,
      183000,
      243000,
    ]);
    expect(sent[0]!.questions).toEqual(["_ollama._tcp.local PTR", "_llm._tcp.local PTR"]);
  });

  test("an unsolicited announcement is enough: nothing more is asked", () => {
    const { sent, events, deliver } = setup();
    deliver(avahiPacket("announce"));
    expect(events).toEqual(["found ollama gpu1 ollama http://10.231.9.1:11434 v0.5.7"]);
    expect(sent).toHaveLength(1);
  });

  test("a PTR alone makes it ask for SRV and TXT; an SRV for the addresses", () => {
    const { sent, events, announce } = setup();
    announce(...ptrOnly(GPU));
    expect(sent.at(-1)!.questions).toEqual([
      "gpu1._ollama._tcp.local SRV",
      "gpu1._ollama._tcp.local TXT",
    ]);
    announce(...ptrOnly(GPU), ...withoutType(GPU, "A", "PTR"));
    expect(sent.at(-1)!.questions).toEqual(["gpu1.local A", "gpu1.local AAAA"]);
    expect(events).toEqual([]);
    announce(...serviceRecords(GPU).filter((r) => r.type === "A"));
    expect(events).toEqual(["found gpu1 ollama http://10.0.0.5:11434 v0.5.7"]);
  });

  test("a record nobody sends is asked again with backoff, not on every packet heard", () => {
    const { clock, sent, announce } = setup();
    const asks = () =>
      sent.filter((s) => s.questions.includes("gpu1._ollama._tcp.local SRV")).length;
    announce(...ptrOnly(GPU));
    for (let i = 0; i < 5; i++) announce(...ptrOnly(GPU));
    expect(asks()).toBe(1);
    clock.advance(1000); // the browse at 1 s may ask again: 1 s have passed
    expect(asks()).toBe(2);
    for (let i = 0; i < 5; i++) announce(...ptrOnly(GPU));
    clock.advance(1999); // now it waits 2 s
    expect(asks()).toBe(2);
    clock.advance(1); // the browse at 3 s
    expect(asks()).toBe(3);
    clock.advance(3999);
    for (let i = 0; i < 5; i++) announce(...ptrOnly(GPU)); // then 4 s
    expect(asks()).toBe(3);
  });
});

describe("ServiceBrowser life cycle", () => {
  test("goodbye: the service is lost one second later (RFC 6762 §10.1)", () => {
    const { clock, events, deliver } = setup();
    deliver(avahiPacket("announce"));
    deliver(avahiPacket("goodbye"));
    clock.advance(999);
    expect(events).toHaveLength(1);
    clock.advance(1);
    expect(events[1]).toBe("lost ollama gpu1 ollama http://10.231.9.1:11434 (goodbye)");
  });

  test("a goodbye refuted within that second changes nothing", () => {
    const { clock, events, announce } = setup();
    announce(...serviceRecords(GPU));
    announce(...goodbyeRecords(GPU));
    clock.advance(500);
    announce(...serviceRecords(GPU));
    clock.advance(5000);
    expect(events).toEqual(["found gpu1 ollama http://10.0.0.5:11434 v0.5.7"]);
  });

  test("records are refreshed at 80 % and 90 % of their TTL, then expire", () => {
    const { clock, sent, events, announce } = setup();
    announce(...serviceRecords({ ...GPU, ttl: 10 }));
    const refreshes = () => sent.filter((s) => s.questions.includes("gpu1._ollama._tcp.local SRV"));
    clock.advance(8000);
    expect(refreshes().map((s) => s.at)).toEqual([8000]);
    expect(refreshes()[0]!.questions).toContain("gpu1.local A");
    clock.advance(1000);
    expect(refreshes().map((s) => s.at)).toEqual([8000, 9000]);
    clock.advance(1000);
    expect(events.at(-1)).toBe("lost gpu1 ollama http://10.0.0.5:11434 (expired)");
  });

  test("an answer to the refresh keeps the service", () => {
    const { clock, events, announce } = setup();
    announce(...serviceRecords({ ...GPU, ttl: 10 }));
    clock.advance(8500);
    announce(...serviceRecords({ ...GPU, ttl: 10 }));
    clock.advance(5000);
    expect(events).toHaveLength(1);
  });

  test("a new address (cache-flush) takes over when the old one's last second ends", () => {
    const { clock, events, announce } = setup();
    announce(...serviceRecords(GPU));
    clock.advance(5000);
    announce(...serviceRecords({ ...GPU, addresses: ["10.0.0.6"] }));
    expect(events).toHaveLength(1);
    clock.advance(1000);
    expect(events[1]).toBe(
      "changed gpu1 ollama http://10.0.0.6:11434 (was http://10.0.0.5:11434)",
    );
  });

  test("a new port is a change too", () => {
    const { clock, events, announce } = setup();
    announce(...serviceRecords(GPU));
    clock.advance(2000);
    announce(...serviceRecords({ ...GPU, port: 11435 }));
    clock.advance(1000);
    expect(events.at(-1)).toBe(
      "changed gpu1 ollama http://10.0.0.5:11435 (was http://10.0.0.5:11434)",
    );
  });

  test("two addresses at once: the first stays chosen, no flapping", () => {
    const { clock, events, announce } = setup();
    const two = { ...GPU, addresses: ["10.0.0.5", "10.0.0.6"] };
    announce(...serviceRecords(two));
    for (let i = 0; i < 3; i++) {
      clock.advance(30_000);
      announce(
        ...serviceRecords({ ...two, addresses: ["10.0.0.6", "10.0.0.5"] }).map((r) =>
          ({ ...r, flush: false }) as Answer
        ),
      );
    }
    expect(events).toEqual(["found gpu1 ollama http://10.0.0.5:11434 v0.5.7"]);
  });

  test("IPv4 is preferred; an IPv6-only host gets brackets; link-local IPv6 is unusable", () => {
    const { events, announce } = setup();
    announce(
      ...serviceRecords({
        ...GPU,
        instance: "a",
        host: "a.local",
        addresses: ["fd00::5", "10.0.0.7"],
      }),
    );
    announce(...serviceRecords({ ...GPU, instance: "b", host: "b.local", addresses: ["fd00::6"] }));
    announce(...serviceRecords({ ...GPU, instance: "c", host: "c.local", addresses: ["fe80::1"] }));
    expect(events).toEqual([
      "found a ollama http://10.0.0.7:11434 v0.5.7",
      "found b ollama http://[fd00::6]:11434 v0.5.7",
    ]);
  });

  test("TXT decides type and api_path; the service type otherwise", () => {
    const { events, announce } = setup();
    const llm = { ...GPU, service: "_llm._tcp.local", port: 8000 };
    announce(
      ...serviceRecords({
        ...llm,
        instance: "v",
        host: "v.local",
        txt: ["type=vllm", "api_path=/v1"],
      }),
    );
    announce(
      ...serviceRecords({ ...llm, instance: "p", host: "p.local", txt: ["api_path=/proxy/v1"] }),
    );
    announce(...serviceRecords({ ...GPU, instance: "o", host: "o.local", txt: [] }));
    expect(events).toEqual([
      "found v vllm http://10.0.0.5:8000",
      "found p generic http://10.0.0.5:8000/proxy",
      "found o ollama http://10.0.0.5:11434",
    ]);
  });

  test("a changed TXT type is a change", () => {
    const { clock, events, announce } = setup();
    const llm = { ...GPU, service: "_llm._tcp.local", txt: ["type=vllm"] };
    announce(...serviceRecords(llm));
    clock.advance(3000);
    announce(...serviceRecords({ ...llm, txt: ["type=llamacpp"] }));
    expect(events.at(-1)).toBe(
      "changed gpu1 llamacpp http://10.0.0.5:11434 (was http://10.0.0.5:11434)",
    );
  });

  test("ignores queries, other ports, other service types and addresses no SRV points at", () => {
    const { browser, deliver, announce, events } = setup(["_llm._tcp"]);
    deliver(queryPacket("_llm._tcp.local", "PTR"));
    deliver(responsePacket(serviceRecords({ ...GPU, service: "_llm._tcp.local" })), 40000);
    announce(...serviceRecords(GPU)); // _ollama: not browsed here
    deliver(avahiPacket("host"));
    expect(events).toEqual([]);
    expect(browser.cachedRecords).toBe(0);
  });

  test("stop() leaves no timer behind", () => {
    const { clock, browser, announce } = setup();
    announce(...serviceRecords(GPU));
    browser.stop();
    expect(clock.pending).toBe(0);
  });
});
