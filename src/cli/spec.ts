/**
 * Types of the command table. Commands are data: help text, flag parsing and shell completions
 * are all generated from the same table, so they cannot disagree.
 * @module
 */
import type { Runtime } from "../runtime/mod.ts";

export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly short?: string;
  /** Placeholder shown in help, e.g. `FILE`. */
  readonly value?: string;
  readonly description: string;
  /**
   * The values a string option accepts; `runCli` refuses any other value (exit 2) before the
   * command runs, and help and completions list them. At most one of these per option.
   */
  readonly choices?: readonly string[];
  /** An integer in this inclusive range. */
  readonly integer?: { readonly min: number; readonly max: number };
  /** An http:// or https:// URL. */
  readonly httpUrl?: true;
  /** A duration people type: `90s`, `30m`, `12h`, `30d`, `2w` (src/lib/durations.ts). */
  readonly duration?: true;
  /** Completion hint for string values. */
  readonly complete?: "file";
}

export interface PositionalSpec {
  readonly name: string;
  readonly description: string;
  readonly required: boolean;
  readonly choices?: readonly string[];
  /** Takes every remaining word (`nexus help backends add`). */
  readonly variadic?: boolean;
}

export interface CommandContext {
  readonly runtime: Runtime;
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
  /** Writes to standard output / error as-is. */
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** Returns the process exit code. */
export type CommandHandler = (context: CommandContext) => Promise<number>;

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly description?: string;
  readonly positionals?: readonly PositionalSpec[];
  readonly options?: Readonly<Record<string, OptionSpec>>;
  readonly subcommands?: readonly CommandSpec[];
  readonly examples?: readonly string[];
  /** Loaded lazily so `nexus --help` never pays for the server's imports. */
  readonly load?: () => Promise<CommandHandler>;
  /**
   * A word users type for another command line (`nexus version` → `nexus --version`): the
   * arguments after it are rewritten and run instead.
   */
  readonly alias?: (rest: readonly string[]) => readonly string[];
}
