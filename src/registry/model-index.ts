/**
 * The registry's model → backends index: which backends list each model, and each one's facts
 * about it (capabilities, context). Rebuilt whole when a backend is added or removed or its
 * model list changes (rare); read on every routing decision (a map lookup).
 * @module
 */
import type { Backend, ModelInfo, ModelServing } from "./types.ts";

const NO_BACKENDS: readonly Backend[] = Object.freeze([]);
const NO_SERVINGS: readonly ModelServing[] = Object.freeze([]);

export class ModelIndex {
  #byModel = new Map<string, Backend[]>();
  #servings = new Map<string, ModelServing[]>();

  backendsFor(model: string): readonly Backend[] {
    return this.#byModel.get(model) ?? NO_BACKENDS;
  }

  servingsFor(model: string): readonly ModelServing[] {
    return this.#servings.get(model) ?? NO_SERVINGS;
  }

  models(): IterableIterator<string> {
    return this.#byModel.keys();
  }

  /** The backends listing each model, per model (for counting). */
  lists(): IterableIterator<readonly Backend[]> {
    return this.#byModel.values();
  }

  rebuild(backends: Iterable<Backend>): void {
    const index = new Map<string, Backend[]>();
    const servings = new Map<string, ModelServing[]>();
    for (const backend of backends) {
      for (const info of backend.models) {
        const list = index.get(info.id);
        if (list) {
          // A model listed twice by one backend: the first entry wins.
          if (list.includes(backend)) continue;
          list.push(backend);
          servings.get(info.id)!.push({ backend, info });
        } else {
          index.set(info.id, [backend]);
          servings.set(info.id, [{ backend, info }]);
        }
      }
    }
    this.#byModel = index;
    this.#servings = servings;
  }
}

export function sameModels(a: readonly ModelInfo[], b: readonly ModelInfo[]): boolean {
  return a.length === b.length && a.every((model, i) => model.id === b[i]!.id) &&
    JSON.stringify(a) === JSON.stringify(b);
}
