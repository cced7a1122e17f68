/**
 * Live requests: what is in flight now, and the last completed ones, filterable by model,
 * backend and status. A completed request opens its details (timeline and routing).
 */
import { useState } from "preact/hooks";
import { clockTime, count, ms, rate, statusClass, tokensPerSecond } from "./format.ts";
import { type State, useTick } from "./store.ts";
import type { Completed, Live } from "./types.ts";

interface Filters {
  model: string;
  backend: string;
  status: string;
}

const STATUS_FILTERS: Record<string, (c: Completed) => boolean> = {
  "": () => true,
  ok: (c) => statusClass(c.status, c.error) === "ok",
  "4xx": (c) => c.status >= 400 && c.status < 500,
  "5xx": (c) => c.status >= 500,
  failed: (c) => statusClass(c.status, c.error) !== "ok",
  failover: (c) => c.attempts.length > 0,
};

export function Requests(
  { state, onSelect }: { state: State; onSelect: (request: Completed) => void },
) {
  const [filters, setFilters] = useState<Filters>({ model: "", backend: "", status: "" });
  const completed = state.completed.filter((c) =>
    (filters.model === "" || c.model === filters.model || c.served_model === filters.model) &&
    (filters.backend === "" || c.backend === filters.backend) &&
    STATUS_FILTERS[filters.status]!(c)
  );
  const models = distinct(state.completed.map((c) => c.model));
  const backends = distinct(state.completed.map((c) => c.backend));
  const set = (key: keyof Filters) => (event: Event) =>
    setFilters({ ...filters, [key]: (event.target as HTMLSelectElement).value });
  return (
    <section id="requests" aria-labelledby="requests-title">
      <div class="section-head">
        <h2 id="requests-title">Requests</h2>
        <form class="filters" aria-label="Filter completed requests">
          <Select label="Model" value={filters.model} options={models} onChange={set("model")} />
          <Select
            label="Backend"
            value={filters.backend}
            options={backends}
            onChange={set("backend")}
          />
          <Select
            label="Status"
            value={filters.status}
            options={Object.keys(STATUS_FILTERS).filter((k) => k !== "")}
            onChange={set("status")}
          />
        </form>
      </div>
      <InFlight state={state} />
      <h3>
        Completed <span class="muted">(last {state.limits.recent}, newest first)</span>
      </h3>
      <div class="scroll" tabIndex={0} role="region" aria-label="Completed requests">
        <table class="requests completed">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Model</th>
              <th scope="col">Backend</th>
              <th scope="col">Status</th>
              <th scope="col">Route</th>
              <th scope="col" class="num">TTFT</th>
              <th scope="col" class="num">Duration</th>
              <th scope="col" class="num">Tokens in/out</th>
              <th scope="col" class="num">Tok/s</th>
            </tr>
          </thead>
          <tbody>
            {completed.length === 0 && (
              <tr>
                <td colSpan={9} class="muted">No completed requests yet.</td>
              </tr>
            )}
            {completed.map((c) => <CompletedRow key={c.seq} request={c} onSelect={onSelect} />)}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function CompletedRow(
  { request: c, onSelect }: { request: Completed; onSelect: (c: Completed) => void },
) {
  const tone = statusClass(c.status, c.error);
  const perSecond = tokensPerSecond(c.tokens_out, c.duration_ms, c.ttft_ms, c.stream);
  return (
    <tr data-request-id={c.id} onClick={() => onSelect(c)}>
      <td>
        <button
          type="button"
          class="link"
          aria-label={`${clockTime(c.at)}: details of request ${c.id}`}
          onClick={(e) => {
            e.stopPropagation();
            onSelect(c);
          }}
        >
          {clockTime(c.at)}
        </button>
      </td>
      <td class="model">
        {c.model ?? "–"}
        {c.served_model && c.served_model !== c.model && (
          <span class="muted">→ {c.served_model}</span>
        )}
      </td>
      <td>{c.backend ?? "–"}</td>
      <td>
        <span class={`pill ${tone}`}>{c.status}</span>
        {c.error && <span class="muted small">{c.error}</span>}
      </td>
      <td>
        {c.route_reason ?? "–"}
        {c.attempts.length > 0 && <span class="muted small">{c.attempts.length} failed</span>}
      </td>
      <td class="num">{ms(c.ttft_ms)}</td>
      <td class="num">{ms(c.duration_ms)}</td>
      <td class="num">{count(c.tokens_in)} / {count(c.tokens_out)}</td>
      <td class="num">{rate(perSecond)}</td>
    </tr>
  );
}

function InFlight({ state }: { state: State }) {
  const now = useTick(1000);
  const extra = Math.max(0, now - state.inFlightAt);
  const shown = state.inFlight;
  return (
    <>
      <h3>
        In flight now <span class="muted">({state.inFlightCount})</span>
      </h3>
      <div class="scroll" tabIndex={0} role="region" aria-label="Requests in flight">
        <table class="requests inflight">
          <thead>
            <tr>
              <th scope="col">Request</th>
              <th scope="col">Model</th>
              <th scope="col">Backend</th>
              <th scope="col">Endpoint</th>
              <th scope="col">State</th>
              <th scope="col" class="num">Elapsed</th>
            </tr>
          </thead>
          <tbody>
            {shown.length === 0 && (
              <tr>
                <td colSpan={6} class="muted">Nothing in flight.</td>
              </tr>
            )}
            {shown.map((r) => <LiveRow key={r.id} request={r} extra={extra} />)}
          </tbody>
        </table>
      </div>
    </>
  );
}

function LiveRow({ request: r, extra }: { request: Live; extra: number }) {
  return (
    <tr data-request-id={r.id}>
      <td class="mono small">{r.id.slice(0, 8)}</td>
      <td class="model">
        {r.model ?? "…"}
        {r.served_model && r.served_model !== r.model && (
          <span class="muted">→ {r.served_model}</span>
        )}
      </td>
      <td>{r.backend ?? "–"}</td>
      <td>{r.endpoint}{r.stream ? " (stream)" : ""}</td>
      <td>
        <span class={`pill ${r.phase === "queued" || r.phase === "waking" ? "warn" : "idle"}`}>
          {r.phase}
        </span>
      </td>
      <td class="num">{ms(r.elapsed_ms + extra)}</td>
    </tr>
  );
}

function Select(
  { label, value, options, onChange }: {
    label: string;
    value: string;
    options: string[];
    onChange: (event: Event) => void;
  },
) {
  return (
    <label>
      {label}
      <select value={value} onChange={onChange}>
        <option value="">all</option>
        {options.map((o) => <option key={o} value={o}>{o}</option>)}
      </select>
    </label>
  );
}

function distinct(values: Array<string | null>): string[] {
  return [...new Set(values.filter((v): v is string => v !== null))].sort();
}
