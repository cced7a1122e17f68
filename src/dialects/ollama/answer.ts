/**
 * The lines of an Ollama answer (chat or generate), as text: content chunks and the final
 * `done: true` line with its counts and durations (nanoseconds, as Ollama reports them). Shared by
 * the translators from OpenAI answers (from-openai.ts).
 * @module
 */
import type { Clock } from "../../lib/clock.ts";

export type AnswerShape = "chat" | "generate";

/** What a translated answer is about, fixed when the request is planned. */
export interface AnswerContext {
  readonly shape: AnswerShape;
  /** The model name the client sees (the one the backend received). */
  readonly model: string;
  readonly clock: Pick<Clock, "now" | "monotonic">;
  /** `clock.monotonic()` when the request went upstream: durations start there. */
  readonly startedAt: number;
  /** Nexus's estimate of the prompt, for a backend that reports no usage. */
  readonly promptTokens: number;
}

export interface Piece {
  readonly content: string;
  readonly thinking?: string;
  readonly toolCalls?: readonly unknown[];
}

export interface Totals {
  readonly doneReason: string;
  readonly promptTokens: number;
  readonly evalTokens: number;
  /** `clock.monotonic()` at the first token, when there was one. */
  readonly firstTokenAt: number | undefined;
}

/** `"model":…,"created_at":…` — the head every line shares. */
export function head(context: AnswerContext): string {
  return `{"model":${JSON.stringify(context.model)},"created_at":"${isoTime(context.clock.now())}"`;
}

/** The last timestamp formatted: a stream's lines mostly share their millisecond. */
let lastMs = Number.NaN;
let lastIso = "";

function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/** One `done: false` line. */
export function pieceLine(context: AnswerContext, piece: Piece): string {
  return `${head(context)},${body(context.shape, piece)},"done":false}\n`;
}

/** The final line (`whole` also carries the whole text for a non-stream answer). */
export function doneLine(context: AnswerContext, totals: Totals, whole?: Piece): string {
  const now = context.clock.monotonic();
  const first = totals.firstTokenAt ?? now;
  const ns = (ms: number) => Math.max(0, Math.round(ms * 1e6));
  return `${head(context)},${body(context.shape, whole ?? { content: "" })},"done":true,` +
    `"done_reason":${JSON.stringify(totals.doneReason)},` +
    `"total_duration":${ns(now - context.startedAt)},"load_duration":0,` +
    `"prompt_eval_count":${totals.promptTokens},` +
    `"prompt_eval_duration":${ns(first - context.startedAt)},` +
    `"eval_count":${totals.evalTokens},"eval_duration":${ns(now - first)}}`;
}

function body(shape: AnswerShape, piece: Piece): string {
  const thinking = piece.thinking ? `,"thinking":${JSON.stringify(piece.thinking)}` : "";
  if (shape === "generate") return `"response":${JSON.stringify(piece.content)}${thinking}`;
  const calls = piece.toolCalls && piece.toolCalls.length > 0
    ? `,"tool_calls":${JSON.stringify(piece.toolCalls)}`
    : "";
  return `"message":{"role":"assistant","content":${
    JSON.stringify(piece.content)
  }${thinking}${calls}}`;
}

/** OpenAI's finish reasons as Ollama's: a tool call ends with `stop` there. */
export function doneReason(finish: unknown): string {
  if (finish === "length") return "length";
  if (typeof finish !== "string" || finish === "tool_calls" || finish === "function_call") {
    return "stop";
  }
  return finish;
}
