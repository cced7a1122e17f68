import { NexusError } from "../lib/errors.ts";
import type { CommandSpec } from "./spec.ts";

/** The command line itself is wrong: print the message and usage, exit 2. */
export class UsageError extends NexusError {
  override name = "UsageError";
  constructor(message: string, readonly path: readonly CommandSpec[]) {
    super("E_USAGE", message);
  }
}
