/** Help text generated from the command table. */
import { VERSION } from "../version.ts";
import { HELP_OPTION } from "./commands.ts";
import type { CommandSpec, OptionSpec, PositionalSpec } from "./spec.ts";

/** `path` is the chain of commands from the root, e.g. [ROOT, config, init]. */
export function renderHelp(path: readonly CommandSpec[]): string {
  const command = path[path.length - 1]!;
  const name = path.map((c) => c.name).join(" ");
  const lines: string[] = [];
  if (path.length === 1) lines.push(`nexus ${VERSION} — ${command.summary}`, "");
  else lines.push(command.description ?? `${command.summary}.`, "");
  lines.push(`Usage: ${usageLine(path)}`);
  if (command.subcommands?.length) {
    lines.push("", "Commands:");
    const rows = flattenSubcommands(command).map(([label, summary]) => [label, summary] as const);
    lines.push(...table(rows));
  }
  if (command.positionals?.length) {
    lines.push("", "Arguments:");
    lines.push(...table(command.positionals.map((p) => [`<${p.name}>`, p.description] as const)));
  }
  const options = { ...command.options, help: HELP_OPTION };
  lines.push("", "Options:");
  lines.push(
    ...table(
      Object.entries(options).map(([long, spec]) =>
        [optionLabel(long, spec), optionText(spec)] as const
      ),
    ),
  );
  if (command.examples?.length) {
    lines.push(
      "",
      "Examples:",
      ...command.examples.map((e) => `  ${e}`),
    );
  }
  if (command.subcommands?.length) {
    lines.push("", `Run '${name} <command> --help' for a command's options.`);
  }
  return lines.join("\n") + "\n";
}

export function usageLine(path: readonly CommandSpec[]): string {
  const command = path[path.length - 1]!;
  const parts = [path.map((c) => c.name).join(" ")];
  if (command.subcommands?.length) parts.push("<command>");
  for (const p of command.positionals ?? []) parts.push(positionalLabel(p));
  parts.push("[options]");
  return parts.join(" ");
}

function flattenSubcommands(command: CommandSpec): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  for (const sub of command.subcommands ?? []) {
    if (sub.subcommands?.length) {
      for (const [label, summary] of flattenSubcommands(sub)) {
        rows.push([`${sub.name} ${label}`, summary]);
      }
    } else {
      const args = (sub.positionals ?? []).map((p) =>
        p.choices ? p.choices.join("|") : positionalLabel(p)
      );
      rows.push([[sub.name, ...args].join(" "), sub.summary]);
    }
  }
  return rows;
}

function optionLabel(long: string, spec: OptionSpec): string {
  const value = spec.type === "string" ? ` <${spec.value ?? "VALUE"}>` : "";
  return `${spec.short ? `-${spec.short}, ` : "    "}--${long}${value}`;
}

function positionalLabel(p: PositionalSpec): string {
  const name = p.variadic ? `${p.name}...` : p.name;
  return p.required ? `<${name}>` : `[${name}]`;
}

/** The description plus what the value must be, from the same fields `runCli` checks. */
function optionText(spec: OptionSpec): string {
  if (spec.choices) return `${spec.description} [${spec.choices.join("|")}]`;
  if (spec.integer) return `${spec.description} [${spec.integer.min}-${spec.integer.max}]`;
  return spec.description;
}

function table(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, text]) => `  ${label.padEnd(width)}  ${text}`);
}
