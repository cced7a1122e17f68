/**
 * `npm run build`: compiles Nexus into one executable with `bun build --compile`.
 * Minified, with bytecode (needs --format=esm because main.ts uses top-level await).
 *
 *   bun scripts/build.ts [--target bun-linux-arm64] [--outfile dist/nexus-linux-arm64]
 */
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { target: { type: "string" }, outfile: { type: "string", default: "dist/nexus" } },
});
const root = new URL("..", import.meta.url).pathname;
const args = [
  "build",
  "--compile",
  "--minify",
  "--bytecode",
  "--format=esm",
  "src/main.ts",
  "--outfile",
  values.outfile!,
];
if (values.target) args.push(`--target=${values.target}`);
const result = spawnSync(`${root}node_modules/.bin/bun`, args, { cwd: root, stdio: "inherit" });
globalThis.process.exit(result.status ?? 1);
