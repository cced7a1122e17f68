/** Small formatting helpers shared by the components. */

export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return "–";
  if (value >= 10_000) return `${(value / 1000).toFixed(0)} s`;
  if (value >= 1000) return `${(value / 1000).toFixed(1)} s`;
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
}

/** "42 s", "5 min", "3 h", "2 d". */
export function age(msAgo: number): string {
  const s = Math.max(0, Math.round(msAgo / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}

export function clockTime(wallMs: number): string {
  return new Date(wallMs).toLocaleTimeString([], { hour12: false });
}

export function count(value: number | null | undefined): string {
  if (value === null || value === undefined) return "–";
  if (value >= 1_000_000) return `${(value / 1_000_000).toFixed(1)} M`;
  if (value >= 10_000) return `${(value / 1000).toFixed(0)} k`;
  return String(value);
}

/**
 * Below this many milliseconds a duration says more about the clock than about the backend (a
 * cached or mocked answer): the rate over it would be a six-figure fiction, so none is shown.
 */
export const MIN_RATE_MS = 1;

/**
 * Output tokens per second: over the generation (first token to last) for a stream, over the
 * whole answer otherwise (its first byte is its last). Null when there is nothing to measure: no
 * tokens, or a duration under `MIN_RATE_MS`.
 */
export function tokensPerSecond(
  tokensOut: number | null,
  durationMs: number,
  ttftMs: number | null,
  stream: boolean,
): number | null {
  if (tokensOut === null || tokensOut === 0) return null;
  const generating = durationMs - (ttftMs ?? 0);
  const ms = stream && generating >= 50 ? generating : durationMs;
  return ms >= MIN_RATE_MS ? tokensOut / (ms / 1000) : null;
}

/** A rate as people read it: "7.5", "42.0" below 100 tok/s, "1,234" from there; "–" unknown. */
export function rate(value: number | null): string {
  if (value === null) return "–";
  const tenths = Math.round(value * 10) / 10;
  return tenths < 100 ? tenths.toFixed(1) : Math.round(value).toLocaleString();
}

export type StatusClass = "ok" | "warn" | "bad";

export function statusClass(status: number, error: string | null): StatusClass {
  if (status >= 500 || (status < 400 && error !== null && error !== "client_closed")) return "bad";
  if (status >= 400) return "warn";
  return "ok";
}

export function backendStatusClass(status: string): StatusClass | "idle" {
  if (status === "healthy") return "ok";
  if (status === "unhealthy") return "bad";
  if (status === "busy" || status === "draining" || status === "asleep") return "warn";
  return "idle";
}
