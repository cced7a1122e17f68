import { NexusError } from "../lib/errors.ts";

/** The configuration cannot be used; `issues` holds one `path: message (from source)` line each. */
export class ConfigError extends NexusError {
  override name = "ConfigError";
  /**
   * The config file this error is about (read, or named and not found); undefined when no file
   * was involved (defaults, environment and flags only). A reload's report names it.
   */
  readonly file: string | undefined;
  constructor(
    code: "E_CONFIG_NOT_FOUND" | "E_CONFIG_READ" | "E_CONFIG_PARSE" | "E_CONFIG_INVALID",
    message: string,
    readonly issues: readonly string[] = [],
    options?: { cause?: unknown; file?: string },
  ) {
    super(
      code,
      issues.length ? `${message}\n${issues.map((line) => `  ${line}`).join("\n")}` : message,
      options,
    );
    this.file = options?.file;
  }
}
