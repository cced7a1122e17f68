import { NexusError } from "../lib/errors.ts";

/** The configuration cannot be used; `issues` holds one `path: message (from source)` line each. */
export class ConfigError extends NexusError {
  override name = "ConfigError";
  constructor(
    code: "E_CONFIG_NOT_FOUND" | "E_CONFIG_READ" | "E_CONFIG_PARSE" | "E_CONFIG_INVALID",
    message: string,
    readonly issues: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(
      code,
      issues.length ? `${message}\n${issues.map((line) => `  ${line}`).join("\n")}` : message,
      options,
    );
  }
}
