/**
 * The `nexus` command line: finds the command in the table, parses its flags strictly with
 * `node:util` parseArgs, loads its handler and returns the exit code (0 ok, 1 runtime error,
 * 2 usage error). Errors are printed as one message, never a stack trace.
 *
 * ```ts
 * const code = await runCli(runtime, ["config", "init", "--minimal"]);
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import { type Runtime, ServeError } from "../runtime/mod.ts";
import { describeError, NexusError } from "../lib/errors.ts";
import { parseDuration } from "../lib/durations.ts";
import { isHttpUrl, redactGivenUrl } from "../lib/urls.ts";
import { VERSION } from "../version.ts";
import { HELP_OPTION, ROOT } from "./commands.ts";
import { UsageError } from "./errors.ts";
import { renderHelp, usageLine } from "./help.ts";
import { terminalSafe } from "./output.ts";
import type { CommandSpec, OptionSpec } from "./spec.ts";

export { ROOT } from "./commands.ts";
export type { CommandContext, CommandHandler, CommandSpec } from "./spec.ts";

export async function runCli(runtime: Runtime, argv: readonly string[]): Promise<number> {
  // What commands print holds what servers said (see terminalSafe); a command's own stderr
  // writes (progress: \r and erase-line) are Nexus's words and stay as they are.
  const stdout = (text: string) => runtime.writeStdout(terminalSafe(text));
  const stderr = (text: string) => runtime.writeStderr(text);
  try {
    const { path, rest } = findCommand(argv);
    const command = path[path.length - 1]!;
    if (path.length === 1) return runRoot(rest, stdout);
    if (command.alias && !rest.some((word) => word === "--help" || word === "-h")) {
      // The word's own arguments first: `nexus version extra` is refused as `nexus version`'s.
      checkPositionals(path, parseCommandArgs(path, rest).positionals);
      return await runCli(runtime, command.alias(rest));
    }
    const { values, positionals } = parseCommandArgs(path, rest);
    checkOptionValues(path, values);
    if (values.help || !command.load) {
      if (!values.help && command.subcommands?.length) {
        throw new UsageError(`'${path.map((c) => c.name).join(" ")}' needs a command`, path);
      }
      stdout(renderHelp(path));
      return 0;
    }
    checkPositionals(path, positionals);
    const handler = await command.load();
    return await handler({ runtime, values, positionals, stdout, stderr });
  } catch (error) {
    if (error instanceof UsageError) {
      stderr(`error: ${error.message}\n\nUsage: ${usageLine(error.path)}\n`);
      stderr(`Run '${error.path.map((c) => c.name).join(" ")} --help' for more information.\n`);
      return 2;
    }
    // Errors Nexus words itself already say why; only foreign errors get their cause appended.
    const worded = error instanceof NexusError || error instanceof ServeError;
    stderr(`error: ${terminalSafe(worded ? error.message : describeError(error))}\n`);
    // A value only the command can judge (a key name, a duration) is a usage error too: exit 2.
    return error instanceof NexusError && error.code === "E_USAGE" ? 2 : 1;
  }
}

function runRoot(rest: readonly string[], stdout: (text: string) => void): number {
  const { values, positionals } = parseCommandArgs([ROOT], rest);
  // Help wins over a stray word, as it does for every command; the version does not.
  if (!values.help) checkPositionals([ROOT], positionals);
  if (values.version) {
    stdout(`nexus ${VERSION}\n`);
    return 0;
  }
  if (values.help) {
    stdout(renderHelp([ROOT]));
    return 0;
  }
  throw new UsageError("missing command", [ROOT]);
}

/** Walks leading words down the command tree; `nexus config init -o x` → [ROOT, config, init]. */
function findCommand(argv: readonly string[]): { path: CommandSpec[]; rest: string[] } {
  const path: CommandSpec[] = [ROOT];
  let index = 0;
  while (index < argv.length) {
    const current = path[path.length - 1]!;
    const word = argv[index]!;
    if (!current.subcommands?.length || word.startsWith("-")) break;
    const next = current.subcommands.find((c) => c.name === word);
    if (!next) {
      const names = current.subcommands.map((c) => c.name).join(", ");
      throw new UsageError(`unknown command '${word}' (expected one of: ${names})`, path);
    }
    path.push(next);
    index++;
  }
  return { path, rest: argv.slice(index) };
}

function parseCommandArgs(
  path: readonly CommandSpec[],
  args: readonly string[],
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  const command = path[path.length - 1]!;
  const options = { ...command.options, help: HELP_OPTION };
  try {
    const parsed = parseArgs({
      args: [...args],
      options: Object.fromEntries(
        Object.entries(options).map((
          [long, spec],
        ) => [long, spec.short ? { type: spec.type, short: spec.short } : { type: spec.type }]),
      ),
      strict: true,
      allowPositionals: true,
    });
    return {
      values: parsed.values as Record<string, string | boolean | undefined>,
      positionals: parsed.positionals,
    };
  } catch (error) {
    throw new UsageError(cleanParseArgsMessage(error), path);
  }
}

/**
 * Every flag value the table constrains (choices, integer ranges, URLs, durations) is checked here, before
 * the command runs: one wording for every command, and a bad value never reaches a server.
 */
function checkOptionValues(
  path: readonly CommandSpec[],
  values: Readonly<Record<string, string | boolean | undefined>>,
): void {
  for (const [long, spec] of Object.entries(path[path.length - 1]!.options ?? {})) {
    const value = values[long];
    if (typeof value !== "string") continue;
    const expected = optionProblem(spec, value);
    if (expected) {
      // A URL with a password in it is not echoed (the password is as good when mistyped).
      const shown = spec.httpUrl ? redactGivenUrl(value) : value;
      throw new UsageError(`invalid --${long} '${shown}' (expected ${expected})`, path);
    }
  }
}

/** What the option expects, when `value` is not it. */
function optionProblem(spec: OptionSpec, value: string): string | undefined {
  if (spec.choices && !spec.choices.includes(value)) {
    return `one of: ${spec.choices.join(", ")}`;
  }
  if (spec.integer) {
    const { min, max } = spec.integer;
    const number = Number(value);
    if (!/^\d+$/.test(value) || number < min || number > max) {
      return `an integer from ${min} to ${max}`;
    }
  }
  if (spec.httpUrl && !isHttpUrl(value)) return "an http:// or https:// URL";
  if (spec.duration && parseDuration(value) === undefined) return "a duration like 30d, 12h or 2w";
  return undefined;
}

function checkPositionals(path: readonly CommandSpec[], positionals: readonly string[]): void {
  const specs = path[path.length - 1]!.positionals ?? [];
  if (positionals.length > specs.length && !specs[specs.length - 1]?.variadic) {
    throw new UsageError(`unexpected argument '${positionals[specs.length]}'`, path);
  }
  specs.forEach((spec, index) => {
    const value = positionals[index];
    if (value === undefined) {
      if (spec.required) throw new UsageError(`missing <${spec.name}>`, path);
    } else if (spec.choices && !spec.choices.includes(value)) {
      throw new UsageError(
        `invalid <${spec.name}> '${value}' (expected one of: ${spec.choices.join(", ")})`,
        path,
      );
    }
  });
}

/** parseArgs messages carry advice for node scripts ("To specify a positional argument …"). */
function cleanParseArgsMessage(error: unknown): string {
  const message = describeError(error).split(". To specify")[0]!.replace(/\.$/, "");
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown option '${unknown[1]}'`;
  const missing = /^Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(message);
  if (missing) return `option '${missing[1]}' needs a value`;
  // `--rpm --tpm 5`, `-p -1`: node's three lines of advice, as one.
  const ambiguous = /^Option '[^']+' argument is ambiguous[\s\S]*use '(--[\w-]+)=/.exec(message);
  if (ambiguous) {
    const flag = ambiguous[1]!;
    return `option '${flag}' needs a value (one that starts with '-' is written ${flag}=VALUE)`;
  }
  return message.charAt(0).toLowerCase() + message.slice(1);
}
