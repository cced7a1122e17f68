import { type FileErrorKind, RuntimeFileError } from "./types.ts";

/** Maps Node-style errno codes (Bun and Deno's node:fs both use them) onto our kinds. */
export function mapNodeFileError(error: unknown, path: string): RuntimeFileError {
  const code = (error as { code?: unknown } | null)?.code;
  const kind: FileErrorKind = code === "ENOENT"
    ? "not_found"
    : code === "EEXIST"
    ? "exists"
    : code === "EACCES" || code === "EPERM"
    ? "denied"
    : "other";
  return new RuntimeFileError(kind, path, { cause: error });
}
