/**
 * Admission on a FakeClock: free slots are granted at once, full backends queue requests in
 * priority order, deadlines, refusals, client disconnects, and warm-over-cold with spillover.
 */
import { describe, expect, test } from "bun:test";
import {
  Admission,
  type AdmissionTicket,
  type Grant,
  type Priority,
} from "../../../src/admission/mod.ts";
import { validateConfig } from "../../../src/config/mod.ts";
import { type Failure, failure, isFailure } from "../../../src/lib/failures.ts";
import { type Backend, Registry } from "../../../src/registry/mod.ts";
import type { RouteCandidate } from "../../../src/routing/mod.ts";
import { FakeClock } from "../../helpers/fake-clock.ts";

function setup(queue: Record<string, unknown> = {}, slots: Record<string, number> = { a: 1 }) {
  const clock = new FakeClock();
  const registry = new Registry();
  const backends: Record<string, Backend> = {};
  for (const [name, max] of Object.entries(slots)) {
    backends[name] = registry.add({
      name,
      url: `http://${name}.test`,
      type: "ollama",
      priority: 50,
      source: "static",
      max_concurrent: max,
    }, { status: "healthy", models: [{ id: "m", capabilities: {} }] });
  }
  const rejected: string[] = [];
  const waits: number[] = [];
  const admission = new Admission({
    registry,
    clock,
    config: validateConfig({ queue }).config.queue,
    hooks: { onReject: (r) => rejected.push(r), onWait: (ms) => waits.push(ms) },
  });
  const candidate = (name: string, loaded?: boolean): RouteCandidate => ({
    backend: backends[name]!,
    model: "m",
    fallback: false,
    score: 50,
    ...(loaded === undefined ? {} : { loaded }),
  });
  return { clock, registry, backends, admission, candidate, rejected, waits };
}

function ticket(priority: Priority = "normal", signal = new AbortController().signal) {
  return { priority, signal } satisfies AdmissionTicket;
}

/** Acquire, recording the order in which queued requests get their slot. */
function queued(
  admission: Admission,
  candidates: RouteCandidate[],
  name: string,
  order: string[],
  t: AdmissionTicket = ticket(),
): Promise<Grant | Failure> {
  const result = admission.acquire(candidates, t);
  if (!(result instanceof Promise)) throw new TypeError(`${name} was not queued`);
  return result.then((r) => {
    order.push(isFailure(r) ? `${name}:${r.kind}` : name);
    return r;
  });
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("Admission", () => {
  test("a free slot is granted at once and counted until release", () => {
    const s = setup();
    const grant = s.admission.acquire([s.candidate("a")], ticket());
    if (grant instanceof Promise || isFailure(grant)) throw new TypeError("expected a grant");
    expect(grant.candidate.backend.name).toBe("a");
    expect(grant.waitedMs).toBe(0);
    expect(s.backends.a!.pending).toBe(1);
    s.admission.release(grant);
    expect(s.backends.a!.pending).toBe(0);
  });

  test("a full backend queues requests; each freed slot goes to the best waiting one", async () => {
    const s = setup();
    const first = s.admission.acquire([s.candidate("a")], ticket()) as Grant;
    const order: string[] = [];
    const low = queued(s.admission, [s.candidate("a")], "low", order, ticket("low"));
    const normal = queued(s.admission, [s.candidate("a")], "normal", order);
    const high = queued(s.admission, [s.candidate("a")], "high", order, ticket("high"));
    expect(s.admission.waiting).toBe(3);
    expect(s.admission.depth("low")).toBe(1);
    s.clock.advance(250);
    s.admission.release(first);
    const granted = await high as Grant;
    expect(granted.waitedMs).toBe(250);
    expect(s.backends.a!.pending).toBe(1);
    s.admission.release(granted);
    s.admission.release(await normal as Grant);
    s.admission.release(await low as Grant);
    expect(order).toEqual(["high", "normal", "low"]);
    expect(s.backends.a!.pending).toBe(0);
    expect(s.waits).toEqual([250, 250, 250]);
  });

  test("a full queue refuses with queue_full and a Retry-After", () => {
    const s = setup({ max_size: 1 });
    s.admission.acquire([s.candidate("a")], ticket());
    void s.admission.acquire([s.candidate("a")], ticket());
    const refused = s.admission.acquire([s.candidate("a")], ticket()) as Failure;
    expect(refused.kind).toBe("queue_full");
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(s.rejected).toEqual(["full"]);
  });

  test("a request waiting past max_wait_seconds gets queue_timeout", async () => {
    const s = setup({ max_wait_seconds: 10 });
    s.admission.acquire([s.candidate("a")], ticket());
    const order: string[] = [];
    const waiting = queued(s.admission, [s.candidate("a")], "late", order);
    s.clock.advance(9_999);
    await flush();
    expect(order).toEqual([]);
    s.clock.advance(1);
    expect(((await waiting) as Failure).kind).toBe("queue_timeout");
    expect(s.admission.waiting).toBe(0);
    expect(s.rejected).toEqual(["timeout"]);
  });

  test("a client that leaves while queued is dequeued at once and never takes the slot", async () => {
    const s = setup();
    const first = s.admission.acquire([s.candidate("a")], ticket()) as Grant;
    const client = new AbortController();
    const order: string[] = [];
    const gone = queued(
      s.admission,
      [s.candidate("a")],
      "gone",
      order,
      ticket("normal", client.signal),
    );
    const next = queued(s.admission, [s.candidate("a")], "next", order);
    client.abort();
    expect(((await gone) as Failure).kind).toBe("client_closed");
    s.admission.release(first);
    await next;
    expect(order).toEqual(["gone:client_closed", "next"]);
    expect(s.backends.a!.pending).toBe(1);
  });

  test("a warm backend's queue wins over a cold backend's free slot, until spillover", async () => {
    const s = setup({ spillover_after_ms: 2000 }, { warm: 1, cold: 1 });
    const busy = s.admission.acquire([s.candidate("warm", true)], ticket()) as Grant;
    const order: string[] = [];
    const request = queued(
      s.admission,
      [s.candidate("warm", true), s.candidate("cold", false)],
      "r",
      order,
    );
    s.clock.advance(1999);
    await flush();
    expect(order).toEqual([]);
    expect(s.backends.cold!.pending).toBe(0);
    s.clock.advance(1);
    const grant = await request as Grant;
    expect(grant.candidate.backend.name).toBe("cold");
    s.admission.release(busy);
  });

  test("a warm slot freed before spillover keeps the model where it is warm", async () => {
    const s = setup({ spillover_after_ms: 2000 }, { warm: 1, cold: 1 });
    const busy = s.admission.acquire([s.candidate("warm", true)], ticket()) as Grant;
    const order: string[] = [];
    const request = queued(
      s.admission,
      [s.candidate("warm", true), s.candidate("cold", false)],
      "r",
      order,
    );
    s.clock.advance(500);
    s.admission.release(busy);
    expect(((await request) as Grant).candidate.backend.name).toBe("warm");
    s.clock.advance(5000);
    expect(s.backends.cold!.pending).toBe(0);
  });

  test("with no warm backend at all, a cold one is granted at once", () => {
    const s = setup({}, { cold: 1 });
    const grant = s.admission.acquire([s.candidate("cold", false)], ticket()) as Grant;
    expect(grant.candidate.backend.name).toBe("cold");
  });

  test("a larger slot limit learned later serves waiting requests", async () => {
    const s = setup({}, {});
    const backend = s.registry.add({
      name: "llama",
      url: "http://llama.test",
      type: "llamacpp",
      priority: 50,
      source: "static",
    }, { status: "healthy", models: [{ id: "m", capabilities: {} }] });
    s.registry.setSlots("llama", 1);
    const c: RouteCandidate = { backend, model: "m", fallback: false, score: 50 };
    s.admission.acquire([c], ticket());
    const order: string[] = [];
    const waiting = queued(s.admission, [c], "w", order);
    s.registry.setSlots("llama", 2);
    await waiting;
    expect(backend.pending).toBe(2);
  });

  test("a busy backend (routable) gets its freed slot for a waiting request", async () => {
    const s = setup();
    const first = s.admission.acquire([s.candidate("a")], ticket()) as Grant;
    const order: string[] = [];
    const waiting = queued(s.admission, [s.candidate("a")], "w", order);
    s.registry.setStatus("a", "busy");
    s.admission.release(first);
    await waiting;
    expect(order).toEqual(["w"]);
    expect(s.backends.a!.pending).toBe(1);
  });

  test("refuseAll answers every waiting request with the given failure", async () => {
    const s = setup();
    s.admission.acquire([s.candidate("a")], ticket());
    const order: string[] = [];
    const one = queued(s.admission, [s.candidate("a")], "one", order);
    const two = queued(s.admission, [s.candidate("a")], "two", order);
    s.admission.refuseAll(failure("shutting_down", "bye"));
    await Promise.all([one, two]);
    expect(order).toEqual(["one:shutting_down", "two:shutting_down"]);
    expect(s.admission.waiting).toBe(0);
  });
});
