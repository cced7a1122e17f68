/** `nexus config init`: writes the commented template, never clobbering a file without --force. */
import { FULL_TEMPLATE, MINIMAL_TEMPLATE } from "../config/mod.ts";
import { NexusError } from "../lib/errors.ts";
import { RuntimeFileError } from "../runtime/mod.ts";
import type { CommandHandler } from "./spec.ts";

export const configInitCommand: CommandHandler = async ({ runtime, values, stdout, stderr }) => {
  const path = typeof values.output === "string" ? values.output : "nexus.toml";
  const text = values.minimal ? MINIMAL_TEMPLATE : FULL_TEMPLATE;
  if (path === "-") {
    stdout(text);
    return 0;
  }
  try {
    await runtime.writeTextFile(path, text, { createNew: values.force !== true });
  } catch (error) {
    if (error instanceof RuntimeFileError && error.kind === "exists") {
      throw new NexusError(
        "E_EXISTS",
        `Cannot write "${path}": file already exists (use --force to overwrite)`,
      );
    }
    throw new NexusError("E_WRITE", `Cannot write "${path}": ${writeFailure(error, path)}`, {
      cause: error,
    });
  }
  stderr(`Wrote ${path}\n`);
  return 0;
};

/**
 * A write fails with "not found" only when a directory on the way is missing: say that, not
 * "file not found" about the file the user asked us to create.
 */
function writeFailure(error: unknown, path: string): string {
  if (!(error instanceof RuntimeFileError)) return String(error);
  if (error.kind === "not_found") return `directory "${parentOf(path)}" does not exist`;
  return error.message.split(":")[0]!;
}

function parentOf(path: string): string {
  const cut = path.replace(/\/+$/, "").lastIndexOf("/");
  return cut < 0 ? "." : cut === 0 ? "/" : path.slice(0, cut);
}
