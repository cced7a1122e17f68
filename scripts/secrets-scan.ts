/**
 * The suite-wide secrets scan (issue 14): reads every transcript the test run wrote (each
 * response a test gateway sent, each log line, everything a test process printed; see
 * tests/helpers/secrets.ts) and fails when any secret the tests configure appears in one.
 * Usage (npm test runs it): bun scripts/secrets-scan.ts <transcript directory>
 * A secret found is reported by its name and where, never printed itself.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { TEST_SECRETS } from "../tests/helpers/secrets.ts";

export interface Leak {
  readonly file: string;
  readonly secret: string;
  /** The transcript section (`--- source`) it was found in. */
  readonly section: string;
}

export function scanTranscripts(dir: string): { files: number; bytes: number; leaks: Leak[] } {
  const leaks: Leak[] = [];
  let bytes = 0;
  const files = readdirSync(dir).filter((name) => name.endsWith(".log"));
  for (const file of files) {
    const text = readFileSync(join(dir, file), "utf8");
    bytes += text.length;
    for (const [name, secret] of Object.entries(TEST_SECRETS)) {
      let at = text.indexOf(secret);
      while (at !== -1) {
        const start = text.lastIndexOf("\n--- ", at);
        const section = text.slice(start + 5, text.indexOf("\n", start + 1)).slice(0, 120);
        leaks.push({ file, secret: name, section });
        at = text.indexOf(secret, at + secret.length);
      }
    }
  }
  return { files: files.length, bytes, leaks };
}

if (import.meta.main) {
  const dir = process.argv[2];
  if (!dir) {
    globalThis.console.error("usage: bun scripts/secrets-scan.ts <transcript directory>");
    process.exit(2);
  }
  let result: ReturnType<typeof scanTranscripts>;
  try {
    result = scanTranscripts(dir);
  } catch (error) {
    globalThis.console.error(`secrets scan: cannot read ${dir}: ${(error as Error).message}`);
    process.exit(1);
  }
  if (result.files === 0) {
    globalThis.console.error(`secrets scan: no transcripts in ${dir}; the test run wrote none`);
    process.exit(1);
  }
  for (const leak of result.leaks) {
    globalThis.console.error(`LEAK ${leak.secret} in ${leak.file} (${leak.section})`);
  }
  globalThis.console.log(
    `secrets scan: ${result.files} transcripts, ${
      (result.bytes / 1024 / 1024).toFixed(1)
    } MiB, ${result.leaks.length} secrets found`,
  );
  process.exit(result.leaks.length === 0 ? 0 : 1);
}
