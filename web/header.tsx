/** The top bar: gateway health, the fleet in numbers, the queue, and the admin token field. */
import { useState } from "preact/hooks";
import { savedToken, saveToken } from "./api.ts";
import type { State } from "./store.ts";

function health(state: State): { label: string; tone: string } {
  const backends = state.fleet.backends;
  const healthy = backends.filter((b) => b.status === "healthy").length;
  if (backends.length > 0 && healthy === backends.length) return { label: "healthy", tone: "ok" };
  return healthy > 0 ? { label: "degraded", tone: "warn" } : { label: "unhealthy", tone: "bad" };
}

export function Header({ state }: { state: State }) {
  const { label, tone } = health(state);
  const backends = state.fleet.backends;
  const healthy = backends.filter((b) => b.status === "healthy").length;
  const models = state.models.filter((m) => !m.alias_of).length;
  return (
    <header class="top">
      <div class="brand">
        <h1>Nexus</h1>
        <span class="muted">{state.version && `v${state.version}`}</span>
      </div>
      <ul class="summary" aria-label="Summary">
        <li>
          <span class={`pill ${tone}`}>{label}</span>
        </li>
        <li>
          <strong>{healthy}</strong>/{backends.length} backends healthy
        </li>
        <li>
          <strong>{models}</strong> {models === 1 ? "model" : "models"}
        </li>
        <li>
          <strong>{state.inFlightCount}</strong> in flight
        </li>
        <li>
          <strong>{state.fleet.queue.waiting}</strong> queued
        </li>
        <li>
          <span class={`dot ${state.connected ? "ok" : "bad"}`} aria-hidden="true" />
          {state.connected ? "live" : "reconnecting…"}
        </li>
      </ul>
      {state.admin === "token" && <TokenField />}
    </header>
  );
}

/** Remote browsers act with the admin token; it stays in this tab's session storage. */
function TokenField() {
  const [token, setToken] = useState(savedToken());
  return (
    <form
      class="token"
      onSubmit={(e) => {
        e.preventDefault();
        saveToken(token);
      }}
    >
      <label for="admin-token">Admin token</label>
      <input
        id="admin-token"
        type="password"
        autocomplete="off"
        value={token}
        onInput={(e) => {
          const value = (e.target as HTMLInputElement).value;
          setToken(value);
          saveToken(value);
        }}
      />
    </form>
  );
}
