/**
 * The router turns a requested model into an ordered list of candidates (backend + the model
 * name to send it), or a rejection that says why. It is synchronous and reads only the
 * registry's precomputed index, so it costs microseconds on the hot path.
 * @module
 */
import { MAX_ALIAS_HOPS, type NexusConfig } from "../config/mod.ts";
import type { Backend, Registry } from "../registry/mod.ts";

export interface RouteCandidate {
  readonly backend: Backend;
  /** The model name the backend receives (after alias resolution or fallback). */
  readonly model: string;
  /** True when this candidate serves a fallback model rather than the requested one. */
  readonly fallback: boolean;
}

export interface RouteRejection {
  readonly status: 404 | 503;
  readonly code: "model_not_found" | "service_unavailable";
  readonly message: string;
  /** Why each backend was excluded (503 only). */
  readonly context?: {
    readonly model: string;
    readonly excluded: ReadonlyArray<{ readonly backend: string; readonly reason: string }>;
  };
}

export type RouteDecision =
  | {
    readonly ok: true;
    readonly requested: string;
    readonly model: string;
    readonly candidates: RouteCandidate[];
  }
  | { readonly ok: false; readonly requested: string; readonly rejection: RouteRejection };

export class Router {
  readonly #registry: Registry;
  readonly #aliases: Readonly<Record<string, string>>;

  constructor(registry: Registry, routing: NexusConfig["routing"]) {
    this.#registry = registry;
    this.#aliases = routing.aliases;
  }

  /** Follows aliases (at most MAX_ALIAS_HOPS; cycles are rejected when config loads). */
  resolveAlias(model: string): string {
    let current = model;
    for (let hop = 0; hop < MAX_ALIAS_HOPS && Object.hasOwn(this.#aliases, current); hop++) {
      current = this.#aliases[current]!;
    }
    return current;
  }

  select(requested: string): RouteDecision {
    const model = this.resolveAlias(requested);
    const serving = this.#registry.backendsFor(model);
    if (serving.length === 0) {
      return { ok: false, requested, rejection: this.#unknownModel(requested) };
    }
    const candidates: RouteCandidate[] = [];
    for (const backend of serving) {
      if (backend.status === "healthy") candidates.push({ backend, model, fallback: false });
    }
    if (candidates.length === 0) {
      return {
        ok: false,
        requested,
        rejection: {
          status: 503,
          code: "service_unavailable",
          message: `Model "${requested}" has no usable backend right now: ${
            serving.map((b) => `${b.name} (${b.status})`).join(", ")
          }`,
          context: { model, excluded: serving.map((b) => ({ backend: b.name, reason: b.status })) },
        },
      };
    }
    candidates.sort((a, b) =>
      a.backend.priority - b.backend.priority || a.backend.pending - b.backend.pending
    );
    return { ok: true, requested, model, candidates };
  }

  aliasNames(): string[] {
    return Object.keys(this.#aliases);
  }

  /** Model ids a client may ask for now: models of healthy backends, plus aliases. */
  availableModels(): string[] {
    const ids = new Set<string>();
    for (const id of this.#registry.knownModels()) {
      if (this.#registry.backendsFor(id).some((b) => b.status === "healthy")) ids.add(id);
    }
    for (const alias of Object.keys(this.#aliases)) ids.add(alias);
    return [...ids].sort();
  }

  #unknownModel(requested: string): RouteRejection {
    const available = this.availableModels();
    const list = available.length
      ? `Available models: ${available.join(", ")}`
      : "No models are available";
    return {
      status: 404,
      code: "model_not_found",
      message: `Model "${requested}" not found. ${list}`,
    };
  }
}
