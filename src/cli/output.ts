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
