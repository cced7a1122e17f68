/** Terminal output: aligned tables, and colour only on a TTY with NO_COLOR unset. */
import type { Runtime } from "../runtime/mod.ts";

export interface Style {
  readonly colour: boolean;
  paint(text: string, colour: "green" | "red" | "yellow" | "dim" | "bold"): string;
  status(status: string): string;
}

const CODES = { green: "32", red: "31", yellow: "33", dim: "2", bold: "1" } as const;

export function styleFor(runtime: Pick<Runtime, "stdoutIsTTY" | "env">): Style {
  const colour = runtime.stdoutIsTTY && !runtime.env.NO_COLOR;
  const paint = (
    text: string,
    name: keyof typeof CODES,
  ) => (colour ? `\x1b[${CODES[name]}m${text}\x1b[0m` : text);
  return {
    colour,
    paint,
    status(status) {
      if (!colour) return status;
      const mark = status === "healthy"
        ? paint("●", "green")
        : status === "unhealthy"
        ? paint("●", "red")
        : paint("●", "yellow");
      return `${mark} ${status}`;
    },
  };
}

/** Renders rows under headers with two spaces between columns; ANSI codes do not count as width. */
export function renderTable(
  headers: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
): string {
  const widths = headers.map((header, i) =>
    Math.max(visible(header), ...rows.map((row) => visible(row[i] ?? "")))
  );
  const line = (cells: readonly string[]) =>
    cells.map((
      cell,
      i,
    ) => (i === cells.length - 1 ? cell : cell + " ".repeat(widths[i]! - visible(cell)))).join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n") + "\n";
}

function visible(text: string): number {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, "").length;
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + "\n";
}

/**
 * Control characters other than newline and tab, and escape sequences other than the colours
 * `styleFor` writes on a TTY.
 */
// deno-lint-ignore no-control-regex
const UNSAFE = /\x1b(?!\[(?:0|1|2|3[123])m)|[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f-\x9f]/g;

/**
 * `text` as it may reach a terminal: every unsafe character written as `\uXXXX`. What a server
 * sends — model ids, backend names taken from mDNS announcements, a backend's error text — could
 * otherwise clear the screen, move the cursor over a line or retitle the window of whoever runs
 * the command. In JSON output `\uXXXX` is the same character, so `--json` stays exact.
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
