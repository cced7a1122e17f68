/**
 * `npm run build`: compiles Nexus into one executable with `bun build --compile`.
 * Minified, with bytecode (needs --format=esm because main.ts uses top-level await).
 * `scripts/release.ts` imports `compileNexus` to build every release target the same way.
 *
 *   bun scripts/build.ts [--target bun-linux-arm64] [--outfile dist/nexus-linux-arm64]
 */
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";

export const ROOT = new URL("..", import.meta.url).pathname;

export interface CompileOptions {
  /** A `bun-<os>-<arch>` target; the host platform when absent. */
  readonly target?: string;
  /** Output path, relative to the repository root. @default "dist/nexus" */
  readonly outfile?: string;
  /** Capture bun's output instead of passing it through (the release script reports it). */
  readonly capture?: boolean;
}

export interface CompileResult {
  readonly ok: boolean;
  /** bun's stdout and stderr when captured, or the reason bun did not run. */
  readonly output: string;
}

/** The exact `bun build` arguments, kept in one place so build and release cannot drift. */
export function compileArgs(options: CompileOptions = {}): string[] {
  const args = ["build", "--compile", "--minify", "--bytecode", "--format=esm"];
  if (options.target) args.push(`--target=${options.target}`);
  args.push("src/main.ts", "--outfile", options.outfile ?? "dist/nexus");
  return args;
}

export function compileNexus(options: CompileOptions = {}): CompileResult {
  const result = spawnSync(`${ROOT}node_modules/.bin/bun`, compileArgs(options), {
    cwd: ROOT,
    stdio: options.capture ? "pipe" : "inherit",
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
  });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}${result.error?.message ?? ""}`;
  return { ok: result.status === 0, output };
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { target: { type: "string" }, outfile: { type: "string", default: "dist/nexus" } },
  });
  const { ok } = compileNexus({ target: values.target, outfile: values.outfile });
  globalThis.process.exit(ok ? 0 : 1);
}
