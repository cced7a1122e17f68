/** Fleet: one card per backend, and adding or removing one where the admin rules allow. */
import { useState } from "preact/hooks";
import { addBackend, removeBackend } from "./api.ts";
import { age, backendStatusClass, count, ms } from "./format.ts";
import type { NoticeState } from "./notice.tsx";
import { type State, useTick } from "./store.ts";
import type { Backend, Model } from "./types.ts";

interface Props {
  state: State;
  canAct: boolean;
  onResult: (notice: NoticeState) => void;
}

export function Fleet({ state, canAct, onResult }: Props) {
  const now = useTick(5000) + state.offset;
  const warm = warmModels(state.models);
  const backends = state.fleet.backends;
  return (
    <section id="fleet" aria-labelledby="fleet-title">
      <div class="section-head">
        <h2 id="fleet-title">Fleet</h2>
        {canAct && <AddBackend onResult={onResult} />}
      </div>
      {backends.length === 0
        ? (
          <p class="muted">
            No backends yet: add one by URL, list it under [[backends]], or announce it by mDNS.
          </p>
        )
        : (
          <ul class="cards">
            {backends.map((backend) => (
              <BackendCard
                key={backend.name}
                backend={backend}
                now={now}
                warm={warm}
                canAct={canAct}
                onResult={onResult}
              />
            ))}
          </ul>
        )}
      {!canAct && (
        <p class="muted small">
          Changes are accepted from this machine, or from anywhere once server.admin_token is set.
        </p>
      )}
    </section>
  );
}

/** "backend\u0000model" for every model a backend holds loaded. */
function warmModels(models: Model[]): Set<string> {
  const warm = new Set<string>();
  for (const model of models) for (const b of model.loaded_on) warm.add(`${b}\u0000${model.id}`);
  return warm;
}

interface CardProps {
  backend: Backend;
  now: number;
  warm: Set<string>;
  canAct: boolean;
  onResult: (notice: NoticeState) => void;
}

function BackendCard({ backend, now, warm, canAct, onResult }: CardProps) {
  const tone = backendStatusClass(backend.status);
  const slots = backend.slots === null ? "no limit" : `${backend.slots_in_use}/${backend.slots}`;
  const titleId = `backend-${backend.name}`;
  return (
    <li class={`card ${tone}`} data-backend={backend.name}>
      <div class="card-head">
        <h3 id={titleId}>{backend.name}</h3>
        <span class={`pill ${tone}`} data-status={backend.status}>{backend.status}</span>
        {backend.breaker && backend.breaker !== "closed" && (
          <span
            class={`pill ${backend.breaker === "open" ? "bad" : "warn"}`}
            data-breaker={backend.breaker}
            title="Circuit breaker: its requests failed, so it gets no traffic until a trial succeeds"
          >
            breaker {backend.breaker.replace("_", "-")}
          </span>
        )}
      </div>
      <p class="muted small url">
        {backend.type} · {backend.source} · {backend.url}
      </p>
      <dl class="facts">
        <div>
          <dt>for</dt>
          <dd>{backend.status_since === null ? "–" : age(now - backend.status_since)}</dd>
        </div>
        <div>
          <dt>latency</dt>
          <dd>{ms(backend.latency_ms)}</dd>
        </div>
        <div>
          <dt>slots</dt>
          <dd>{slots}</dd>
        </div>
        <div>
          <dt>in flight</dt>
          <dd>{backend.pending}</dd>
        </div>
        <div>
          <dt>requests</dt>
          <dd>{count(backend.requests)}</dd>
        </div>
        <div>
          <dt>errors</dt>
          <dd>{count(backend.errors)}</dd>
        </div>
      </dl>
      {backend.status === "asleep" && backend.wake && (
        <p class="muted small">Asleep: a request for its models wakes it ({backend.wake.mac}).</p>
      )}
      {backend.last_error && <p class="error small">Last error: {backend.last_error}</p>}
      <ul class="chips" aria-label={`Models on ${backend.name}`}>
        {backend.models.map((id) => {
          const loaded = warm.has(`${backend.name}\u0000${id}`);
          return (
            <li key={id} class={loaded ? "chip warm" : "chip"}>
              {loaded && <span aria-label="loaded" title="loaded">●</span>}
              {id}
            </li>
          );
        })}
      </ul>
      {canAct && (
        <button
          type="button"
          class="link danger"
          aria-label={`Remove backend ${backend.name}`}
          onClick={async () => {
            if (!confirm(`Remove backend ${backend.name}?`)) return;
            onResult({ ...(await removeBackend(backend.name)), at: Date.now() });
          }}
        >
          Remove
        </button>
      )}
    </li>
  );
}

const TYPES = ["", "ollama", "vllm", "llamacpp", "lmstudio", "exo", "openai", "generic"];

function AddBackend({ onResult }: { onResult: (notice: NoticeState) => void }) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  if (!open) {
    return <button type="button" onClick={() => setOpen(true)}>Add backend</button>;
  }
  return (
    <form
      class="add"
      aria-label="Add a backend"
      onSubmit={async (event) => {
        event.preventDefault();
        const data = new FormData(event.currentTarget as HTMLFormElement);
        setBusy(true);
        const result = await addBackend(
          String(data.get("url") ?? "").trim(),
          String(data.get("name") ?? "").trim(),
          String(data.get("type") ?? ""),
        );
        setBusy(false);
        onResult({ ...result, at: Date.now() });
        if (result.ok) setOpen(false);
      }}
    >
      <label>
        URL <input name="url" type="url" required placeholder="http://gpu-box:11434" autoFocus />
      </label>
      <label>
        Name <input name="name" placeholder="from the URL" />
      </label>
      <label>
        Type
        <select name="type">
          {TYPES.map((t) => <option key={t} value={t}>{t === "" ? "detect" : t}</option>)}
        </select>
      </label>
      <button type="submit" disabled={busy}>{busy ? "Adding…" : "Add"}</button>
      <button type="button" class="link" onClick={() => setOpen(false)}>Cancel</button>
    </form>
  );
}
