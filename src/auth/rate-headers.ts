/**
 * The `x-ratelimit-*` headers OpenAI sends (and OpenAI's SDKs read): limit, remaining and reset
 * for requests and for tokens, reset as a duration (`1s`, `6m0s`, `250ms`). Only the limits a
 * key has appear.
 * @module
 */
import type { Decision, LimitView } from "../state/mod.ts";

export function rateLimitHeaders(decision: Decision): Record<string, string> {
  const headers: Record<string, string> = {};
  if (decision.requests) put(headers, "requests", decision.requests);
  if (decision.tokens) put(headers, "tokens", decision.tokens);
  return headers;
}

function put(headers: Record<string, string>, kind: string, view: LimitView): void {
  headers[`x-ratelimit-limit-${kind}`] = String(view.limit);
  headers[`x-ratelimit-remaining-${kind}`] = String(view.remaining);
  headers[`x-ratelimit-reset-${kind}`] = formatDuration(view.resetMs);
}

/** OpenAI's duration form: `0s`, `250ms`, `1.5s`, `6m0s`. */
export function formatDuration(ms: number): string {
  const whole = Math.max(0, Math.ceil(ms));
  if (whole === 0) return "0s";
  if (whole < 1000) return `${whole}ms`;
  const minutes = Math.floor(whole / 60_000);
  const seconds = (whole - minutes * 60_000) / 1000;
  const secondsText = `${Number(seconds.toFixed(3))}s`;
  return minutes > 0 ? `${minutes}m${secondsText}` : secondsText;
}
