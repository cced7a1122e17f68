/**
 * What a backend can take: which upstream operations it serves, and how many requests at once.
 * Chat completions are served by every type;
 * embeddings and legacy completions by the servers whose OpenAI surface has them (REFERENCE.md
 * Part B). exo serves chat only. A generic OpenAI-compatible server is not known either way:
 * unknown never excludes, the server answers for itself.
 * @module
 */
import type { Backend, BackendTypeSetting } from "./types.ts";

/** What the backend is asked to do, whatever the client's dialect. */
export type Operation = "chat" | "embeddings" | "completions";

const SERVED: Readonly<Record<BackendTypeSetting, Readonly<Partial<Record<Operation, boolean>>>>> =
  {
    // Not detected yet: nothing is known either way.
    auto: {},
    ollama: { chat: true, embeddings: true, completions: true },
    vllm: { chat: true, embeddings: true, completions: true },
    llamacpp: { chat: true, embeddings: true, completions: true },
    lmstudio: { chat: true, embeddings: true, completions: true },
    exo: { chat: true, embeddings: false, completions: false },
    openai: { chat: true, embeddings: true, completions: true },
    generic: { chat: true },
  };

/** false only when the backend's server type is known not to serve `operation`. */
export function servesOperation(backend: Backend, operation: Operation): boolean {
  return SERVED[backend.type]?.[operation] !== false;
}

/** The backend's concurrency limit: `max_concurrent` as configured, else the server's own, else none. */
export function slotLimit(backend: Backend): number | undefined {
  return backend.max_concurrent ?? backend.slots;
}

/**
 * Whether one more request may go to `backend` now: a free slot, and a breaker that lets it
 * through (closed, or half-open with no trial running: the trial is single flight).
 */
export function hasFreeSlot(backend: Backend): boolean {
  if (!backend.breaker.admits) return false;
  const limit = backend.max_concurrent ?? backend.slots;
  return limit === undefined || backend.pending < limit;
}
