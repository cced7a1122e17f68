/**
 * The dashboard's store (web/store.ts) fed by a stand-in EventSource: a component that rendered
 * before the first snapshot arrived and subscribes afterwards (Preact subscribes a frame after
 * the first render) is told at once, or its page would wait for a change that may never come.
 */
import { describe, expect, test } from "bun:test";
import { connect, currentState, subscribe } from "../../../web/store.ts";
import type { Snapshot } from "../../../web/types.ts";

const SNAPSHOT: Snapshot = {
  version: "9.9.9",
  started_at: 0,
  now: 0,
  admin: "local",
  limits: { recent: 200, minutes: 60, in_flight: 100 },
  routing: { aliases: {}, fallbacks: {} },
  fleet: { backends: [], queue: { waiting: 0, depth: {} } },
  models: [],
  requests: { now: 0, in_flight_count: 0, in_flight: [], completed: [] },
  series: [],
};

/** Enough of an EventSource for the store: it only listens. */
function fakeSource(): EventSource {
  return new EventTarget() as unknown as EventSource;
}

function send(source: EventSource, event: string, data: unknown): void {
  source.dispatchEvent(new MessageEvent(event, { data: JSON.stringify(data) }));
}

describe("the dashboard store", () => {
  test("a component that rendered before the first snapshot is told when it subscribes", () => {
    const rendered = currentState();
    expect(rendered.loading).toBe(true);
    const source = fakeSource();
    connect(source);
    send(source, "snapshot", SNAPSHOT);
    expect(currentState().loading).toBe(false);
    let calls = 0;
    const stop = subscribe(() => calls++, rendered);
    expect(calls).toBe(1);
    stop();
  });

  test("one that rendered the current state is told of later messages only, until it stops", () => {
    const source = fakeSource();
    connect(source);
    let calls = 0;
    const stop = subscribe(() => calls++, currentState());
    expect(calls).toBe(0);
    send(source, "models", [{ id: "llama3:8b" }]);
    expect(calls).toBe(1);
    expect(currentState().models.map((m) => m.id)).toEqual(["llama3:8b"]);
    stop();
    send(source, "models", []);
    expect(calls).toBe(1);
  });

  test("takes the aliases and fallbacks a reload sent", () => {
    const source = fakeSource();
    connect(source);
    send(source, "snapshot", SNAPSHOT);
    const routing = { aliases: { fast: "qwen2.5:7b" }, fallbacks: { big: ["llama3.2:latest"] } };
    send(source, "routing", routing);
    expect(currentState().routing).toEqual(routing);
  });
});
