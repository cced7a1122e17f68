/**
 * `npm run release`: one binary per platform in dist/, the service files install.sh needs
 * (install.sh, nexus.service), their SHA256SUMS and the rendered Homebrew formula (nexus.rb).
 *
 *   bun scripts/release.ts [--only linux-x64,darwin-arm64] [--homepage URL] [--base-url URL]
 *
 * A target that fails to build is reported with bun's reason and the others still build; the
 * exit code is then 1, because the release is incomplete. Cross-compiling pulls the target's
 * Bun runtime from the npm registry (cached after the first time).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import process from "node:process";
import { parseArgs } from "node:util";
import { VERSION } from "../src/version.ts";
import { compileNexus, ROOT } from "./build.ts";
import {
  assetName,
  bunTarget,
  type Checksum,
  detectExecutable,
  formatSha256Sums,
  parseSha256Sums,
  RELEASE_TARGETS,
  type ReleaseTarget,
  renderFormula,
  targetId,
} from "./release-assets.ts";

const DIST = `${ROOT}dist/`;
/** Shipped beside the binaries so a release page alone is enough to install the service. */
const SERVICE_FILES = ["install.sh", "nexus.service"] as const;

interface Outcome {
  readonly target: ReleaseTarget;
  readonly seconds: number;
  readonly bytes?: number;
  readonly sha256?: string;
  readonly note?: string;
  readonly error?: string;
}

const values = parseOptions();

const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, "utf8"));
if (pkg.version !== VERSION) {
  fail(`package.json says ${pkg.version} but src/version.ts says ${VERSION}; make them equal`);
}
const homepage = values.homepage ?? pkg.homepage ?? "https://github.com/OWNER/nexus";
const baseUrl = values["base-url"] ?? `${homepage}/releases/download/v${VERSION}`;
const targets = selectTargets(values.only);

mkdirSync(DIST, { recursive: true });
// Nothing from an earlier run may end up in this release's checksums or formula.
const previous = ["SHA256SUMS", "nexus.rb", ...SERVICE_FILES, ...RELEASE_TARGETS.map(assetName)];
for (const name of previous) rmSync(DIST + name, { force: true });

const started = performance.now();
const outcomes = targets.map(buildTarget);
const built = outcomes.filter((o) => o.sha256 !== undefined);
const checksums: Checksum[] = built.map((o) => ({ sha256: o.sha256!, file: assetName(o.target) }));
for (const name of SERVICE_FILES) {
  copyFileSync(`${ROOT}scripts/${name}`, DIST + name);
  chmodSync(DIST + name, name.endsWith(".sh") ? 0o755 : 0o644);
  checksums.push({
    sha256: createHash("sha256").update(readFileSync(DIST + name)).digest("hex"),
    file: name,
  });
}
writeFileSync(`${DIST}SHA256SUMS`, formatSha256Sums(checksums));

let formulaNote: string;
try {
  // Rendered from the file just written, exactly as a release page's SHA256SUMS would be read.
  const formula = renderFormula(readFileSync(`${ROOT}scripts/homebrew/nexus.rb`, "utf8"), {
    version: VERSION,
    homepage,
    baseUrl,
    checksums: parseSha256Sums(readFileSync(`${DIST}SHA256SUMS`, "utf8")),
  });
  writeFileSync(`${DIST}nexus.rb`, formula);
  formulaNote = `dist/nexus.rb (downloads from ${baseUrl}/)`;
} catch (error) {
  formulaNote = `not written: ${(error as Error).message}`;
}

report(outcomes, (performance.now() - started) / 1000, formulaNote);
process.exit(outcomes.some((o) => o.error) ? 1 : 0);

// --- internal ---

function parseOptions() {
  try {
    return parseArgs({
      options: {
        only: { type: "string" },
        homepage: { type: "string" },
        "base-url": { type: "string" },
      },
    }).values;
  } catch (error) {
    const usage = "usage: bun scripts/release.ts [--only T1,T2] [--homepage URL] [--base-url URL]";
    return fail(`${(error as Error).message}\n${usage}`, 2);
  }
}

function selectTargets(only: string | undefined): ReleaseTarget[] {
  if (only === undefined) return [...RELEASE_TARGETS];
  const wanted = only.split(",").map((s) => s.trim());
  const unknown = wanted.filter((id) => !RELEASE_TARGETS.some((t) => targetId(t) === id));
  if (unknown.length > 0) {
    const known = RELEASE_TARGETS.map(targetId).join(", ");
    fail(`Unknown target ${unknown.join(", ")} (known: ${known})`, 2);
  }
  return RELEASE_TARGETS.filter((t) => wanted.includes(targetId(t)));
}

function buildTarget(target: ReleaseTarget): Outcome {
  const file = DIST + assetName(target);
  process.stdout.write(`── ${bunTarget(target)} → dist/${assetName(target)}\n`);
  const start = performance.now();
  const result = compileNexus({
    target: bunTarget(target),
    outfile: `dist/${assetName(target)}`,
    capture: true,
  });
  const seconds = (performance.now() - start) / 1000;
  if (!result.ok) {
    rmSync(file, { force: true });
    return { target, seconds, error: lastLines(result.output) || "bun build failed silently" };
  }
  const bytes = readFileSync(file);
  const found = detectExecutable(bytes.subarray(0, 64 * 1024));
  if (found?.os !== target.os || found.arch !== target.arch) {
    rmSync(file, { force: true });
    const what = found ? targetId(found) : "not an ELF or Mach-O executable";
    return { target, seconds, error: `built file is ${what}` };
  }
  const smoke = smokeTest(target, file);
  if (smoke.error) {
    rmSync(file, { force: true });
    return { target, seconds, error: smoke.error };
  }
  const signature = found.signed === undefined
    ? []
    : [found.signed ? "has a code signature" : "no code signature"];
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const note = [...signature, smoke.note].join(", ");
  return { target, seconds, bytes: bytes.length, sha256, note };
}

/**
 * Runs `--version` when this machine can execute the binary, proving the version is embedded:
 * natively, or for linux-arm64 on an x64 Linux host through qemu-user when Debian's
 * `qemu-user` and `libc6-arm64-cross` are installed.
 */
function smokeTest(target: ReleaseTarget, file: string): { note: string; error?: string } {
  const runner = runnerFor(target);
  if (!runner) return { note: "not run (other platform)" };
  const [command, ...prefix] = [...runner, file];
  const result = spawnSync(command!, [...prefix, "--version"], {
    encoding: "utf8",
    timeout: 60_000,
  });
  const printed = (result.stdout ?? "").trim();
  if (result.status !== 0 || printed !== `nexus ${VERSION}`) {
    return { note: "", error: `--version printed "${printed}" (exit ${result.status})` };
  }
  return { note: `runs${runner.length > 0 ? " under qemu" : ""}: ${printed}` };
}

function runnerFor(target: ReleaseTarget): string[] | null {
  if (target.os !== process.platform) return null;
  if (target.arch === process.arch) return [];
  const sysroot = "/usr/aarch64-linux-gnu";
  if (target.os === "linux" && target.arch === "arm64" && existsSync(`${sysroot}/lib`)) {
    const qemu = spawnSync("qemu-aarch64", ["--version"], { stdio: "ignore" });
    if (qemu.status === 0) return ["qemu-aarch64", "-L", sysroot];
  }
  return null;
}

function lastLines(text: string): string {
  return text.trim().split("\n").slice(-4).join(" | ");
}

function report(outcomes: readonly Outcome[], seconds: number, formulaNote: string): void {
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  process.stdout.write(`\nNexus ${VERSION} release (${seconds.toFixed(1)} s)\n`);
  for (const o of outcomes) {
    const id = targetId(o.target).padEnd(13);
    const time = `${o.seconds.toFixed(1)} s`.padStart(7);
    process.stdout.write(
      o.error
        ? `  FAILED ${id} ${time}  ${o.error}\n`
        : `  ok     ${id} ${time}  ${mib(o.bytes!).padStart(10)}  ${
          o.sha256!.slice(0, 12)
        }  ${o.note}\n`,
    );
  }
  const binaries = outcomes.filter((o) => !o.error).length;
  process.stdout.write(`  dist/SHA256SUMS: ${binaries} binaries, ${SERVICE_FILES.join(", ")}\n`);
  process.stdout.write(`  formula: ${formulaNote}\n`);
  if (homepage.includes("OWNER")) {
    process.stdout.write("  note: pass --homepage (or set package.json homepage) for real URLs\n");
  }
}

function fail(message: string, code = 1): never {
  process.stderr.write(`release: ${message}\n`);
  process.exit(code);
}
