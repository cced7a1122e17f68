/**
 * How Ollama fits a chat into its context window (server/prompt.go): when the rendered prompt
 * is longer than `num_ctx`, the oldest messages are dropped — the system message and the last
 * message stay — silently. The context is the request's `options.num_ctx`, else the server's
 * default: 4096 tokens (below 24 GiB of VRAM), whatever the model could take. Ollama's OpenAI
 * endpoint takes no `num_ctx` at all, which is the trap Nexus routes around.
 * Tokens are counted as four characters each plus a few for each message's template markers.
 * @module
 */

export const OLLAMA_DEFAULT_CONTEXT = 4096;
/** Role markers a chat template wraps around each message. */
const TEMPLATE_TOKENS = 4;

export interface Fitted {
  /** Tokens of the messages kept. */
  readonly tokens: number;
  /** Messages dropped to fit. */
  readonly dropped: number;
}

export function messageTokens(message: unknown): number {
  const content = (message as { content?: unknown } | null)?.content;
  const text = typeof content === "string" ? content : JSON.stringify(content ?? "");
  return Math.ceil(text.length / 4) + TEMPLATE_TOKENS;
}

/** Drops the oldest non-system messages until the prompt fits `numCtx`, as Ollama does. */
export function fitContext(messages: readonly unknown[], numCtx: number): Fitted {
  const sizes = messages.map(messageTokens);
  let tokens = sizes.reduce((a, b) => a + b, 0);
  let dropped = 0;
  for (let i = 0; i < messages.length - 1 && tokens > numCtx; i++) {
    if ((messages[i] as { role?: unknown } | null)?.role === "system") continue;
    tokens -= sizes[i]!;
    dropped++;
  }
  return { tokens, dropped };
}

/** `options.num_ctx` when the request sets one, else the server default. */
export function requestedContext(body: unknown): number {
  const numCtx = (body as { options?: { num_ctx?: unknown } } | null)?.options?.num_ctx;
  return typeof numCtx === "number" && numCtx > 0 ? numCtx : OLLAMA_DEFAULT_CONTEXT;
}

/** A coding agent's system prompt, for the long-conversation tests of each front door. */
export const AGENT_SYSTEM = "You are a coding agent.";

/** About 12,000 tokens over several turns: three times Ollama's default context. */
export const LONG_TURNS: { role: "user" | "assistant"; content: string }[] = [
  ...Array.from({ length: 6 }, (_, i) => ({
    role: (i % 2 === 0 ? "user" : "assistant") as "user" | "assistant",
    content: `Part ${i}: ` + "lorem ipsum dolor sit amet ".repeat(300),
  })),
  { role: "user", content: "Summarise everything above." },
];

/** What this mock counts for the system prompt and LONG_TURNS, as chat messages. */
export const LONG_TOKENS = fitContext(
  [{ role: "system", content: AGENT_SYSTEM }, ...LONG_TURNS],
  Number.MAX_SAFE_INTEGER,
).tokens;
