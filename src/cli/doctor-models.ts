/**
 * `nexus doctor`'s look at what a routable backend lists: its models (or what to do about none)
 * and whether each one's context length is known.
 * @module
 */
import { type Finding, finding } from "./doctor-report.ts";
import type { DoctorBackend, DoctorModel } from "./doctor-types.ts";

export function modelsFinding(backend: DoctorBackend): Finding {
  const count = backend.models.length;
  if (count > 0) {
    return finding(
      "models",
      backend.name,
      "ok",
      `${count} model${count === 1 ? "" : "s"}: ${list(backend.models)}`,
    );
  }
  const fix = backend.type === "ollama"
    ? "pull one: ollama pull llama3.2"
    : backend.type === "llamacpp"
    ? "start llama-server with a model: llama-server -m model.gguf"
    : "load a model on the server";
  return finding("models", backend.name, "warn", "lists no models", fix);
}

/** Whether Nexus knows each listed model's context length; undefined when it lists none. */
export function contextFinding(
  backend: DoctorBackend,
  models: readonly DoctorModel[],
): Finding | undefined {
  const unknown = backend.models.filter((id) =>
    models.find((m) => m.id === id)?.context_length === null
  );
  if (unknown.length > 0) {
    return finding(
      "context",
      backend.name,
      "warn",
      `context length unknown for ${
        list(unknown)
      }: long prompts are not matched to a model that fits`,
      "nothing to do for short prompts; a server that reports it (Ollama /api/show, llama.cpp /props, vLLM max_model_len) lets Nexus route long ones",
    );
  }
  if (backend.models.length > 0) {
    return finding("context", backend.name, "ok", "context length known for every model");
  }
  return undefined;
}

function list(ids: readonly string[]): string {
  return ids.length <= 4
    ? ids.join(", ")
    : `${ids.slice(0, 4).join(", ")} and ${ids.length - 4} more`;
}
