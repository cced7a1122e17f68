/** Durations people type: `90s`, `30m`, `12h`, `30d`, `2w`. */

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Milliseconds, or undefined when `text` is not a positive whole number and a unit. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d{1,6})\s*([smhdw])\s*$/.exec(text);
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2]!]!;
  return ms > 0 ? ms : undefined;
}
