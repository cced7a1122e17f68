/**
 * The dashboard's state, fed by one EventSource on `/ui/events`: a snapshot on (re)connect, then
 * deltas. Components subscribe with `useStore()`; every message re-renders once.
 */
import { useEffect, useState } from "preact/hooks";
import type {
  AdminMode,
  Completed,
  Fleet,
  Live,
  Model,
  Point,
  RequestsDelta,
  Snapshot,
} from "./types.ts";

export interface State {
  readonly connected: boolean;
  /** True until the first snapshot arrived. */
  readonly loading: boolean;
  readonly version: string;
  readonly startedAt: number;
  readonly admin: AdminMode;
  /** Server wall clock − this browser's, ms (the server stamps every requests delta). */
  readonly offset: number;
  readonly routing: Snapshot["routing"];
  readonly limits: Snapshot["limits"];
  readonly fleet: Fleet;
  readonly models: Model[];
  readonly inFlight: Live[];
  readonly inFlightCount: number;
  /** Browser ms when `inFlight` arrived: elapsed times keep counting from there. */
  readonly inFlightAt: number;
  /** Newest first. */
  readonly completed: Completed[];
  readonly series: Point[];
}

let state: State = {
  connected: false,
  loading: true,
  version: "",
  startedAt: 0,
  admin: "off",
  offset: 0,
  routing: { aliases: {}, fallbacks: {} },
  limits: { recent: 200, minutes: 60, in_flight: 100 },
  fleet: { backends: [], queue: { waiting: 0, depth: {} } },
  models: [],
  inFlight: [],
  inFlightCount: 0,
  inFlightAt: 0,
  completed: [],
  series: [],
};
const listeners = new Set<() => void>();

function update(patch: Partial<State>): void {
  state = { ...state, ...patch };
  for (const listener of listeners) listener();
}

function withRequests(delta: RequestsDelta, base: Completed[]): Partial<State> {
  const seen = new Set(base.map((c) => c.seq));
  const fresh = delta.completed.filter((c) => !seen.has(c.seq)).reverse();
  return {
    offset: delta.now - Date.now(),
    inFlight: delta.in_flight,
    inFlightCount: delta.in_flight_count,
    inFlightAt: Date.now(),
    completed: [...fresh, ...base].slice(0, state.limits.recent),
  };
}

function mergeSeries(points: Point[]): Point[] {
  const byT = new Map(state.series.map((p) => [p.t, p]));
  for (const point of points) byT.set(point.t, point);
  const cutoff = Date.now() + state.offset - state.limits.minutes * 60_000;
  return [...byT.values()].filter((p) => p.t > cutoff).sort((a, b) => a.t - b.t);
}

function on<T>(source: EventSource, name: string, handle: (data: T) => void): void {
  source.addEventListener(name, (event) => handle(JSON.parse((event as MessageEvent).data)));
}

/** Opens the stream; EventSource reconnects by itself and the server sends a new snapshot. */
export function connect(source: EventSource = new EventSource("/ui/events")): EventSource {
  on<Snapshot>(source, "snapshot", (s) => {
    state = { ...state, limits: s.limits };
    update({
      connected: true,
      loading: false,
      version: s.version,
      startedAt: s.started_at,
      admin: s.admin,
      routing: s.routing,
      fleet: s.fleet,
      models: s.models,
      series: s.series,
      ...withRequests(s.requests, []),
    });
  });
  on<Fleet>(source, "fleet", (fleet) => update({ fleet }));
  on<Model[]>(source, "models", (models) => update({ models }));
  // Sent when a reload changes aliases or fallbacks.
  on<Snapshot["routing"]>(source, "routing", (routing) => update({ routing }));
  on<RequestsDelta>(source, "requests", (d) => update(withRequests(d, state.completed)));
  on<Point[]>(source, "series", (points) => update({ series: mergeSeries(points) }));
  source.addEventListener("error", () => update({ connected: false }));
  return source;
}

/** The state as it is now. */
export function currentState(): State {
  return state;
}

/**
 * Calls `listener` after every message from now on; `seen` is the state the caller last rendered.
 * A message that came in since then calls it at once: Preact runs the effect that subscribes a
 * frame after the first render, and the first snapshot can arrive in between (Nexus answers
 * within milliseconds). Missed, the page would say "Connecting to Nexus…" until the next change,
 * which on a quiet gateway may never come (pings are comments, no events).
 */
export function subscribe(listener: () => void, seen: State): () => void {
  listeners.add(listener);
  if (state !== seen) listener();
  return () => void listeners.delete(listener);
}

export function useStore(): State {
  const [, setVersion] = useState(0);
  const rendered = state;
  useEffect(() => subscribe(() => setVersion((v) => v + 1), rendered), []);
  return state;
}

/** Re-renders the caller every `ms` (ages and elapsed times keep moving between messages). */
export function useTick(ms: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

/** The server's wall clock now, as far as this browser can tell. */
export function serverNow(): number {
  return Date.now() + state.offset;
}
