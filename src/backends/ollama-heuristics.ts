/**
 * Capability guesses from an Ollama model name, for servers whose /api/show predates the
 * `capabilities` field (REFERENCE.md B1). A guess only ever says yes: a name that matches
 * nothing stays unknown, never "no", because only a known lack may exclude a backend.
 * @module
 */
import type { ModelCapabilities } from "../registry/mod.ts";

/** llava (bakllava too), moondream, minicpm-v and the `-vision` builds. */
const VISION = /llava|moondream|minicpm-v|vision/;
/** Families whose Ollama templates take tools: llama3.1+, qwen2.5+, qwen3, mistral, command-r. */
const TOOLS = /llama-?3\.[1-9](?!\d)|qwen-?(?:2\.[5-9]|3)(?!\d)|mistral|mixtral|command-r/;

export function guessCapabilities(name: string): ModelCapabilities {
  const lower = name.toLowerCase();
  // Vision builds of tool-capable families (llama3.2-vision, llava:7b-v1.6-mistral) ship
  // templates without tools, so a vision match says nothing about tools.
  if (VISION.test(lower)) return { vision: true };
  if (TOOLS.test(lower)) return { tools: true };
  return {};
}
