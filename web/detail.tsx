/**
 * One completed request: what happened (timeline, attempts) and how Nexus routes its model now
 * (`GET /v1/route?model=M`, the same document a script gets). A modal <dialog>: Escape closes it.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { clockTime, count, ms, rate, statusClass, tokensPerSecond } from "./format.ts";
import type { Completed, RouteExplanation } from "./types.ts";

export function Detail({ request: c, onClose }: { request: Completed; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [route, setRoute] = useState<RouteExplanation | string | undefined>(undefined);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  useEffect(() => {
    if (c.model === null) return;
    fetch(`/v1/route?model=${encodeURIComponent(c.model)}`)
      .then((r) => r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`)))
      .then(setRoute, (error: Error) => setRoute(`Cannot explain the route: ${error.message}`));
  }, [c.model]);
  const perSecond = tokensPerSecond(c.tokens_out, c.duration_ms, c.ttft_ms, c.stream);
  return (
    <dialog ref={dialog} class="detail" aria-labelledby="detail-title" onClose={onClose}>
      <div class="section-head">
        <h2 id="detail-title">Request {c.id}</h2>
        <button type="button" onClick={() => dialog.current?.close()}>Close</button>
      </div>
      <dl class="facts wide">
        <div>
          <dt>ended</dt>
          <dd>{clockTime(c.at)}</dd>
        </div>
        <div>
          <dt>endpoint</dt>
          <dd>{c.endpoint}{c.stream ? " (stream)" : ""}</dd>
        </div>
        <div>
          <dt>model asked</dt>
          <dd>{c.model ?? "–"}</dd>
        </div>
        <div>
          <dt>model served</dt>
          <dd>{c.served_model ?? "–"}</dd>
        </div>
        <div>
          <dt>backend</dt>
          <dd>{c.backend ?? "–"}</dd>
        </div>
        <div>
          <dt>status</dt>
          <dd>
            <span class={`pill ${statusClass(c.status, c.error)}`}>{c.status}</span> {c.error ?? ""}
            {c.end && c.end !== "complete" ? ` (stream ${c.end})` : ""}
          </dd>
        </div>
        <div>
          <dt>route reason</dt>
          <dd>{c.route_reason ?? "–"}</dd>
        </div>
        <div>
          <dt>tokens in / out</dt>
          <dd>
            {count(c.tokens_in)} / {count(c.tokens_out)}
            {perSecond === null ? "" : ` (${rate(perSecond)} tok/s)`}
          </dd>
        </div>
      </dl>
      {c.message && <p class="error">{c.message}</p>}
      <h3>Timeline</h3>
      <Timeline request={c} />
      {c.attempts.length > 0 && (
        <>
          <h3>Failed attempts</h3>
          <ol class="attempts">
            {c.attempts.map((a, i) => (
              <li key={i}>
                <strong>{a.backend}</strong> — {a.kind}: {a.message}
              </li>
            ))}
          </ol>
        </>
      )}
      <h3>How Nexus routes {c.model ?? "this model"} now</h3>
      <Route route={route} />
    </dialog>
  );
}

function Timeline({ request: c }: { request: Completed }) {
  const total = Math.max(c.duration_ms, 0.1);
  const firstByte = c.ttft_ms === null ? undefined : Math.min(total, c.sent_ms + c.ttft_ms);
  const steps: Array<[string, number | undefined]> = [
    ["received", 0],
    ["queued", c.queue_ms > 0 ? c.queue_ms : undefined],
    ["sent", c.backend === null ? undefined : c.sent_ms],
    ["first byte", firstByte],
    ["done", total],
  ];
  const pct = (value: number) => `${Math.min(100, (value / total) * 100).toFixed(1)}%`;
  return (
    <>
      <div class="timeline" aria-hidden="true">
        {c.queue_ms > 0 && <span class="seg queue" style={{ width: pct(c.queue_ms) }} />}
        {firstByte !== undefined && (
          <span
            class="seg wait"
            style={{ left: pct(c.sent_ms), width: pct(Math.max(0, firstByte - c.sent_ms)) }}
          />
        )}
        {firstByte !== undefined && (
          <span class="seg body" style={{ left: pct(firstByte), width: pct(total - firstByte) }} />
        )}
      </div>
      <ol class="steps">
        {steps.filter(([, at]) => at !== undefined).map(([name, at]) => (
          <li key={name}>
            <span class="muted">{name}</span> {ms(at!)}
          </li>
        ))}
      </ol>
    </>
  );
}

function Route({ route }: { route: RouteExplanation | string | undefined }) {
  if (route === undefined) return <p class="muted">Asking /v1/route…</p>;
  if (typeof route === "string") return <p class="error">{route}</p>;
  return (
    <>
      <p class="small">
        {route.alias_path.join(" → ")} · strategy {route.strategy} · up to {route.max_attempts}{" "}
        attempts · {route.decision.ok
          ? `would go to ${route.decision.backend}`
          : `no backend: ${route.decision.message}`}
      </p>
      <div class="scroll" tabIndex={0} role="region" aria-label="Route candidates">
        <table>
          <thead>
            <tr>
              <th scope="col">Candidate</th>
              <th scope="col">Model</th>
              <th scope="col" class="num">Score</th>
              <th scope="col">Components</th>
              <th scope="col">Loaded</th>
            </tr>
          </thead>
          <tbody>
            {route.candidates.map((k) => (
              <tr key={`${k.backend}/${k.model}`}>
                <td>{k.backend}</td>
                <td>{k.model}{k.fallback ? " (fallback)" : ""}</td>
                <td class="num">{k.score}</td>
                <td class="small">
                  {Object.entries(k.components).map(([n, v]) => `${n} ${v}`).join(" · ")}
                  {k.load_cost > 0 ? ` · load cost −${k.load_cost}` : ""}
                </td>
                <td>{k.loaded === null ? "?" : k.loaded ? "yes" : "no"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {route.excluded.length > 0 && (
        <ul class="small">
          {route.excluded.map((x, i) => (
            <li key={i}>excluded {x.backend} ({x.model}): {x.reason}</li>
          ))}
        </ul>
      )}
      {route.fallbacks.length > 0 && (
        <p class="small">
          Fallbacks: {route.fallbacks.map((f) => `${f.name} (${f.outcome})`).join(", ")}
        </p>
      )}
    </>
  );
}
