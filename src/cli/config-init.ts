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
    const reason = error instanceof RuntimeFileError ? error.message.split(":")[0] : String(error);
    throw new NexusError("E_WRITE", `Cannot write "${path}": ${reason}`, { cause: error });
  }
  stderr(`Wrote ${path}\n`);
  return 0;
};
