/**
 * The pure half of `npm run release`: target names, the SHA256SUMS format (as written and read
 * by coreutils `sha256sum`), rendering the Homebrew formula, and recognising what a compiled
 * binary was built for. No I/O here, so it is unit-tested without a 100 MB compile.
 * @module
 */

export type ReleaseOs = "linux" | "darwin";
export type ReleaseArch = "x64" | "arm64";

export interface ReleaseTarget {
  readonly os: ReleaseOs;
  readonly arch: ReleaseArch;
}

/** Every platform a release ships, in the order they are built. */
export const RELEASE_TARGETS: readonly ReleaseTarget[] = [
  { os: "linux", arch: "x64" },
  { os: "linux", arch: "arm64" },
  { os: "darwin", arch: "x64" },
  { os: "darwin", arch: "arm64" },
];

/** `linux-x64`, as used in file names and on the command line. */
export function targetId(target: ReleaseTarget): string {
  return `${target.os}-${target.arch}`;
}

/** The value of `bun build --target`. */
export function bunTarget(target: ReleaseTarget): string {
  return `bun-${targetId(target)}`;
}

/** The file name of a target's binary in `dist/` and on the release page. */
export function assetName(target: ReleaseTarget): string {
  return `nexus-${targetId(target)}`;
}

export interface Checksum {
  readonly sha256: string;
  readonly file: string;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** SHA256SUMS text: `<hex>  <file>` per line (two spaces: text mode), sorted by file name. */
export function formatSha256Sums(checksums: readonly Checksum[]): string {
  const sorted = [...checksums].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return sorted.map(({ sha256, file }) => {
    if (!SHA256_HEX.test(sha256)) {
      throw new RangeError(`Not a sha256 digest for ${file}: ${sha256}`);
    }
    if (file === "" || /[\n\\]/.test(file)) throw new RangeError(`Unusable file name: ${file}`);
    return `${sha256}  ${file}\n`;
  }).join("");
}

/**
 * Reads SHA256SUMS text as `sha256sum` writes it: `<hex>  <file>` or `<hex> *<file>` (binary
 * mode). Blank lines are skipped; anything else that does not fit is an error naming the line.
 */
export function parseSha256Sums(text: string): Checksum[] {
  const checksums: Checksum[] = [];
  const seen = new Set<string>();
  text.split("\n").forEach((line, index) => {
    if (line.trim() === "") return;
    const match = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line.replace(/\r$/, ""));
    if (!match) throw new RangeError(`SHA256SUMS line ${index + 1} is not "<sha256>  <file>"`);
    const file = match[2]!;
    if (seen.has(file)) throw new RangeError(`SHA256SUMS line ${index + 1} repeats ${file}`);
    seen.add(file);
    checksums.push({ sha256: match[1]!.toLowerCase(), file });
  });
  return checksums;
}

export interface FormulaValues {
  readonly version: string;
  readonly homepage: string;
  /** Where the release binaries are downloaded from: `<baseUrl>/<assetName>`. */
  readonly baseUrl: string;
  readonly checksums: readonly Checksum[];
}

/** Values end up inside Ruby double-quoted strings, where `"`, `\` and `#{` are code. */
function rubySafe(name: string, value: string): string {
  if (/["\\\n]|#\{/.test(value)) {
    throw new RangeError(`${name} cannot go into the formula: ${value}`);
  }
  return value;
}

/**
 * Fills the `{{…}}` placeholders of scripts/homebrew/nexus.rb. Every release target needs a
 * checksum: a formula with a hole would install nothing on that platform, so it is refused.
 */
export function renderFormula(template: string, values: FormulaValues): string {
  if (!/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/.test(values.version)) {
    throw new RangeError(`Not a release version: ${values.version}`);
  }
  const sums = new Map(values.checksums.map((c) => [c.file, c.sha256]));
  const missing = RELEASE_TARGETS.map(assetName).filter((name) => !sums.has(name));
  if (missing.length > 0) {
    throw new RangeError(`No checksum for ${missing.join(", ")}: the formula needs every target`);
  }
  const baseUrl = rubySafe("base URL", values.baseUrl.replace(/\/+$/, ""));
  const fields = new Map<string, string>([
    ["VERSION", values.version],
    ["HOMEPAGE", rubySafe("homepage", values.homepage)],
  ]);
  for (const target of RELEASE_TARGETS) {
    const key = targetId(target).replace("-", "_").toUpperCase();
    fields.set(`URL_${key}`, `${baseUrl}/${assetName(target)}`);
    fields.set(`SHA256_${key}`, sums.get(assetName(target))!);
  }
  const rendered = template.replace(/\{\{([A-Z0-9_]+)\}\}/g, (whole, name: string) => {
    const value = fields.get(name);
    if (value === undefined) throw new RangeError(`Unknown formula placeholder ${whole}`);
    return value;
  });
  const left = /\{\{[^}]*\}\}/.exec(rendered);
  if (left) throw new RangeError(`Formula placeholder left unrendered: ${left[0]}`);
  return rendered;
}

export interface ExecutableInfo extends ReleaseTarget {
  /** Mach-O only: whether an LC_CODE_SIGNATURE load command is present (macOS kills unsigned arm64 code). */
  readonly signed?: boolean;
}

const ELF_MACHINES: Record<number, ReleaseArch> = { 0x3e: "x64", 0xb7: "arm64" };
const MACHO_CPUS: Record<number, ReleaseArch> = { 0x01000007: "x64", 0x0100000c: "arm64" };
const LC_CODE_SIGNATURE = 0x1d;

/**
 * What a binary was built for, from its first bytes (ELF or 64-bit Mach-O, little-endian, as
 * every release target is), so the release can prove each cross-compiled file is what its name
 * says. Returns null for anything else. Pass at least the header and the Mach-O load commands.
 */
export function detectExecutable(bytes: Uint8Array): ExecutableInfo | null {
  if (bytes.length < 32) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, false) === 0x7f454c46) {
    const arch = ELF_MACHINES[view.getUint16(18, true)];
    return arch ? { os: "linux", arch } : null;
  }
  if (view.getUint32(0, true) === 0xfeedfacf) {
    const arch = MACHO_CPUS[view.getUint32(4, true)];
    if (!arch) return null;
    const commands = view.getUint32(16, true);
    let offset = 32;
    let signed = false;
    for (let i = 0; i < commands && offset + 8 <= bytes.length; i++) {
      if (view.getUint32(offset, true) === LC_CODE_SIGNATURE) signed = true;
      const size = view.getUint32(offset + 4, true);
      if (size < 8) break;
      offset += size;
    }
    return { os: "darwin", arch, signed };
  }
  return null;
}
