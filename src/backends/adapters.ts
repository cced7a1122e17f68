/** The adapter for each backend type. */
import type { BackendType } from "../registry/mod.ts";
import { llamacppAdapter } from "./llamacpp.ts";
import { lmstudioAdapter } from "./lmstudio.ts";
import { ollamaAdapter } from "./ollama.ts";
import { exoAdapter, genericAdapter, openaiAdapter } from "./openai-compatible.ts";
import type { BackendAdapter } from "./types.ts";
import { vllmAdapter } from "./vllm.ts";

const ADAPTERS: Readonly<Record<BackendType, BackendAdapter>> = {
  ollama: ollamaAdapter,
  vllm: vllmAdapter,
  llamacpp: llamacppAdapter,
  lmstudio: lmstudioAdapter,
  exo: exoAdapter,
  openai: openaiAdapter,
  generic: genericAdapter,
};

/** Throws a TypeError for a type outside BackendType (a caller bug: config validates types). */
export function adapterFor(type: BackendType): BackendAdapter {
  const adapter = Object.hasOwn(ADAPTERS, type) ? ADAPTERS[type] : undefined;
  if (!adapter) throw new TypeError(`Cannot find a backend adapter: unknown type "${type}"`);
  return adapter;
}
