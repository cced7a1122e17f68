import { afterAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import {
  assetName,
  bunTarget,
  detectExecutable,
  formatSha256Sums,
  parseSha256Sums,
  RELEASE_TARGETS,
} from "../../scripts/release-assets.ts";
import { compileArgs } from "../../scripts/build.ts";
import { runCommand } from "../helpers/processes.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const sha = (text: string) => createHash("sha256").update(text).digest("hex");

describe("RELEASE_TARGETS", () => {
  test("names the four platforms, their bun targets and their files", () => {
    expect(RELEASE_TARGETS.map(bunTarget)).toEqual([
      "bun-linux-x64",
      "bun-linux-arm64",
      "bun-darwin-x64",
      "bun-darwin-arm64",
    ]);
    expect(RELEASE_TARGETS.map(assetName)).toEqual([
      "nexus-linux-x64",
      "nexus-linux-arm64",
      "nexus-darwin-x64",
      "nexus-darwin-arm64",
    ]);
  });
});

describe("compileArgs()", () => {
  test("builds minified ESM bytecode for the requested target", () => {
    expect(compileArgs({ target: "bun-linux-arm64", outfile: "dist/nexus-linux-arm64" })).toEqual([
      "build",
      "--compile",
      "--minify",
      "--bytecode",
      "--format=esm",
      "--target=bun-linux-arm64",
      "src/main.ts",
      "--outfile",
      "dist/nexus-linux-arm64",
    ]);
  });

  test("targets the host and writes dist/nexus by default", () => {
    const args = compileArgs();
    expect(args.some((a) => a.startsWith("--target"))).toBe(false);
    expect(args.slice(-2)).toEqual(["--outfile", "dist/nexus"]);
  });
});

describe("formatSha256Sums()", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  test("writes what coreutils sha256sum --check accepts", async () => {
    const dir = tempDir("sums");
    dirs.push(dir);
    const files = { "nexus-linux-x64": "x64 bytes", "nexus-darwin-arm64": "arm bytes" };
    for (const [name, text] of Object.entries(files)) writeFileSync(`${dir}/${name}`, text);
    const text = formatSha256Sums(
      Object.entries(files).map(([file, bytes]) => ({ file, sha256: sha(bytes) })),
    );
    writeFileSync(`${dir}/SHA256SUMS`, text);
    const result = await runCommand("sha256sum", ["--check", "--strict", "SHA256SUMS"], {
      cwd: dir,
    });
    expect(result.stdout).toBe("nexus-darwin-arm64: OK\nnexus-linux-x64: OK\n");
    expect(result.code).toBe(0);
  });

  test("sorts by file name and separates with two spaces", () => {
    const text = formatSha256Sums([
      { file: "b", sha256: sha("b") },
      { file: "a", sha256: sha("a") },
    ]);
    expect(text).toBe(`${sha("a")}  a\n${sha("b")}  b\n`);
  });

  test("refuses a digest that is not 64 lowercase hex characters", () => {
    expect(() => formatSha256Sums([{ file: "a", sha256: "abc" }])).toThrow(RangeError);
  });
});

describe("parseSha256Sums()", () => {
  test("reads back what formatSha256Sums wrote", () => {
    const sums = [
      { file: "nexus-darwin-arm64", sha256: sha("1") },
      { file: "nexus-linux-x64", sha256: sha("2") },
    ];
    expect(parseSha256Sums(formatSha256Sums(sums))).toEqual(sums);
  });

  test("reads what sha256sum itself prints, in text and binary mode", async () => {
    const dir = tempDir("sums");
    writeFileSync(`${dir}/nexus-linux-x64`, "bytes");
    const text = (await runCommand("sha256sum", ["nexus-linux-x64"], { cwd: dir })).stdout;
    const binary =
      (await runCommand("sha256sum", ["--binary", "nexus-linux-x64"], { cwd: dir })).stdout;
    rmSync(dir, { recursive: true, force: true });
    const expected = [{ file: "nexus-linux-x64", sha256: sha("bytes") }];
    expect(parseSha256Sums(text)).toEqual(expected);
    expect(parseSha256Sums(binary)).toEqual(expected);
  });

  test("skips blank lines and accepts uppercase digests and CRLF", () => {
    const text = `\n${sha("x").toUpperCase()}  nexus-linux-x64\r\n\n`;
    expect(parseSha256Sums(text)).toEqual([{ file: "nexus-linux-x64", sha256: sha("x") }]);
  });

  test("names the line that is not a checksum", () => {
    expect(() => parseSha256Sums(`${sha("a")}  a\nnot a checksum\n`)).toThrow(
      'SHA256SUMS line 2 is not "<sha256>  <file>"',
    );
  });

  test("rejects a file listed twice", () => {
    expect(() => parseSha256Sums(`${sha("a")}  a\n${sha("b")}  a\n`)).toThrow("line 2 repeats a");
  });
});

describe("detectExecutable()", () => {
  function elf(machine: number): Uint8Array {
    const bytes = new Uint8Array(64);
    bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
    new DataView(bytes.buffer).setUint16(18, machine, true);
    return bytes;
  }

  function machO(cpu: number, commands: number[]): Uint8Array {
    const bytes = new Uint8Array(32 + commands.length * 16);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, 0xfeedfacf, true);
    view.setUint32(4, cpu, true);
    view.setUint32(16, commands.length, true);
    commands.forEach((cmd, i) => {
      view.setUint32(32 + i * 16, cmd, true);
      view.setUint32(36 + i * 16, 16, true);
    });
    return bytes;
  }

  test("recognises Linux x64 and arm64 ELF files", () => {
    expect(detectExecutable(elf(0x3e))).toEqual({ os: "linux", arch: "x64" });
    expect(detectExecutable(elf(0xb7))).toEqual({ os: "linux", arch: "arm64" });
  });

  test("recognises 64-bit Mach-O files and whether they carry a code signature", () => {
    expect(detectExecutable(machO(0x0100000c, [0x19, 0x1d]))).toEqual({
      os: "darwin",
      arch: "arm64",
      signed: true,
    });
    expect(detectExecutable(machO(0x01000007, [0x19]))).toEqual({
      os: "darwin",
      arch: "x64",
      signed: false,
    });
  });

  test("returns null for scripts, other machines and short input", () => {
    expect(detectExecutable(new TextEncoder().encode("#!/bin/sh\necho nexus 0.1.0\n"))).toBe(null);
    expect(detectExecutable(elf(0x28))).toBe(null);
    expect(detectExecutable(new Uint8Array(4))).toBe(null);
  });
});
