/**
 * Models: which backends serve each one (loaded ones marked), capabilities, context length, the
 * aliases and fallback chains pointing at it, and load/unload where the admin rules allow.
 */
import { changeModel } from "./api.ts";
import type { NoticeState } from "./notice.tsx";
import type { State } from "./store.ts";
import type { Backend, Model } from "./types.ts";

interface Props {
  state: State;
  canAct: boolean;
  onResult: (notice: NoticeState) => void;
}

const CAPABILITIES: Array<[keyof Model["capabilities"], string]> = [
  ["vision", "vision"],
  ["tools", "tools"],
  ["json_mode", "JSON"],
  ["embeddings", "embeddings"],
];
/** Backend types whose models Nexus can load and unload (docs/api.md, Model lifecycle). */
const LIFECYCLE_TYPES = new Set(["ollama", "lmstudio", "llamacpp"]);

export function Models({ state, canAct, onResult }: Props) {
  const models = state.models.filter((m) => !m.alias_of);
  const byName = new Map(state.fleet.backends.map((b) => [b.name, b]));
  return (
    <section id="models" aria-labelledby="models-title">
      <h2 id="models-title">Models</h2>
      <div class="scroll" tabIndex={0} role="region" aria-label="Models table">
        <table class="models">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Served by</th>
              <th scope="col">Capabilities</th>
              <th scope="col" class="num">Context</th>
              <th scope="col">Pointing at it</th>
            </tr>
          </thead>
          <tbody>
            {models.length === 0 && (
              <tr>
                <td colSpan={5} class="muted">No model on a healthy backend.</td>
              </tr>
            )}
            {models.map((model) => (
              <tr key={model.id}>
                <th scope="row" class="model">{model.id}</th>
                <td>
                  <ul class="servers">
                    {model.backends.map((name) => (
                      <Serving
                        key={name}
                        model={model}
                        backend={byName.get(name)}
                        name={name}
                        canAct={canAct}
                        onResult={onResult}
                      />
                    ))}
                    {(model.asleep_on ?? []).map((name) => (
                      <li key={`asleep-${name}`}>
                        <span class="chip asleep" title="Asleep: a request wakes it">
                          {name} (asleep)
                        </span>
                      </li>
                    ))}
                  </ul>
                </td>
                <td>
                  {CAPABILITIES.filter(([key]) => model.capabilities[key]).map(([key, label]) => (
                    <span key={key} class="chip">{label}</span>
                  ))}
                </td>
                <td class="num">{model.context_length?.toLocaleString() ?? "–"}</td>
                <td class="small">{pointers(state, model.id).join(", ") || "–"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Serving(
  { model, backend, name, canAct, onResult }: {
    model: Model;
    backend: Backend | undefined;
    name: string;
    canAct: boolean;
    onResult: (notice: NoticeState) => void;
  },
) {
  const loaded = model.loaded_on.includes(name);
  const action = loaded ? "unload" : "load";
  const act = async () =>
    onResult({ ...(await changeModel(model.id, action, name)), at: Date.now() });
  return (
    <li>
      <span class={loaded ? "chip warm" : "chip"}>
        {loaded && <span aria-label="loaded" title="loaded">●</span>}
        {name}
      </span>
      {canAct && backend && LIFECYCLE_TYPES.has(backend.type) && (
        <button
          type="button"
          class="link small"
          aria-label={`${action} ${model.id} on ${name}`}
          onClick={act}
        >
          {action}
        </button>
      )}
    </li>
  );
}

/** Aliases resolving to `id`, and fallback chains that reach it (the server resolves the names). */
function pointers(state: State, id: string): string[] {
  const out: string[] = [];
  for (const [alias, target] of Object.entries(state.routing.aliases)) {
    if (target === id) out.push(`alias ${alias}`);
  }
  for (const [primary, chain] of Object.entries(state.routing.fallbacks)) {
    if (chain.includes(id)) out.push(`fallback of ${primary}`);
  }
  return out;
}
