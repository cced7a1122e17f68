/**
 * Layout rules that code review would otherwise have to remember (DESIGN.md §3–4):
 * - runtime globals (`Bun.*`, `Deno.*`, `process`, `node:` I/O) only in src/runtime/;
 * - socket packages (`multicast-dns`, `@redis/client`) only in src/runtime/ too;
 * - one area imports another only through its mod.ts (or its dependency-free constants.ts;
 *   lib/ helpers are imported directly);
 * - source files stay under 400 lines;
 * - no console.* in src (the logger or the runtime's writers instead).
 * Exits 1 listing every violation.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;
const SRC = join(ROOT, "src");
const MAX_LINES = 400;
/** node: modules that are pure computation and fine anywhere. */
/** node:crypto: hashing and constant-time comparison only, identical on Bun, Deno and the binary. */
const PORTABLE_NODE_MODULES = new Set(["node:util", "node:buffer", "node:events", "node:crypto"]);
/** npm packages that open sockets: the runtime adapter wraps them. */
const RUNTIME_ONLY_PACKAGES = new Set(["multicast-dns", "@redis/client"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

const problems: string[] = [];
for (const file of sourceFiles(SRC)) {
  const rel = relative(ROOT, file);
  const text = readFileSync(file, "utf8");
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const lines = text.split("\n").length;
  const inRuntime = rel.startsWith("src/runtime/");
  if (lines > MAX_LINES) {
    problems.push(`${rel}: ${lines} lines (limit ${MAX_LINES}); split it by responsibility`);
  }
  if (!inRuntime) {
    if (/\b(Bun|Deno)\.[a-zA-Z]/.test(code)) {
      problems.push(`${rel}: uses Bun.*/Deno.* outside src/runtime/`);
    }
    if (/\bprocess\.(env|argv|exit|on|stdout|stderr|memoryUsage)\b/.test(code)) {
      problems.push(`${rel}: uses process outside src/runtime/`);
    }
    for (const match of code.matchAll(/from\s+"(node:[\w/]+)"/g)) {
      if (!PORTABLE_NODE_MODULES.has(match[1]!)) {
        problems.push(`${rel}: imports ${match[1]} outside src/runtime/`);
      }
    }
    for (const match of code.matchAll(/from\s+"([\w@][\w@/.-]*)"/g)) {
      if (RUNTIME_ONLY_PACKAGES.has(match[1]!)) {
        problems.push(
          `${rel}: imports ${match[1]} outside src/runtime/ (use runtime.openMulticast/openRedis)`,
        );
      }
    }
  }
  if (/\bconsole\.\w+\(/.test(code)) {
    problems.push(`${rel}: uses console.*; use the logger or runtime writers`);
  }
  const area = rel.split("/")[1];
  for (const match of code.matchAll(/from\s+"(\.\.\/[^"]+)"/g)) {
    const target = relative(SRC, join(file, "..", match[1]!));
    const [targetArea, ...rest] = target.split("/");
    // lib/ is a toolbox of independent helpers, not an area with a public surface.
    if (rest.length === 0 || targetArea === area || targetArea === "lib") continue;
    // constants.ts: zod-free enumerations the CLI table needs without loading the schema.
    if (rest.join("/") !== "mod.ts" && rest.join("/") !== "constants.ts") {
      problems.push(
        `${rel}: imports ${target}; import another area only through ${targetArea}/mod.ts`,
      );
    }
  }
}

if (problems.length > 0) {
  for (const problem of problems) globalThis.console.error(problem);
  globalThis.console.error(`${problems.length} layout problem(s)`);
  globalThis.process.exit(1);
}
