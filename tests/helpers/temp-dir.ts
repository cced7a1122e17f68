/** A fresh scratch folder under the system temp dir; the caller removes it. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `nexus-${label}-`));
}
