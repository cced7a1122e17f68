import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import {
  assetName,
  type Checksum,
  RELEASE_TARGETS,
  renderFormula,
} from "../../scripts/release-assets.ts";
import { needs, tool } from "../helpers/needs.ts";
import { ROOT_DIR, runCommand } from "../helpers/processes.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const TEMPLATE = readFileSync(`${ROOT_DIR}scripts/homebrew/nexus.rb`, "utf8");
const CHECKSUMS: Checksum[] = RELEASE_TARGETS.map((target) => ({
  file: assetName(target),
  sha256: createHash("sha256").update(assetName(target)).digest("hex"),
}));
const VALUES = {
  version: "1.2.3",
  homepage: "https://example.org/nexus",
  baseUrl: "https://example.org/nexus/releases/v1.2.3/",
  checksums: CHECKSUMS,
};

/** The first `name do … end` block at the given indentation, both lines included. */
function block(text: string, name: string, indent: string): string {
  const start = text.indexOf(`${indent}${name} do\n`);
  const close = `\n${indent}end\n`;
  const end = text.indexOf(close, start);
  if (start < 0 || end < 0) throw new Error(`no "${name} do" block`);
  return text.slice(start, end + close.length);
}

describe("scripts/homebrew/nexus.rb", () => {
  let dir = "";
  beforeAll(() => {
    dir = tempDir("formula");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  needs(tool("ruby", "ruby")).test("renders to a formula that ruby -c accepts", async () => {
    writeFileSync(`${dir}/nexus.rb`, renderFormula(TEMPLATE, VALUES));
    const result = await runCommand("ruby", ["-c", `${dir}/nexus.rb`]);
    expect(result.stdout.trim()).toBe("Syntax OK");
    expect(result.code).toBe(0);
  });

  test("puts each platform's URL and checksum in its on_os/on_arch block", () => {
    const formula = renderFormula(TEMPLATE, VALUES);
    for (const target of RELEASE_TARGETS) {
      const os = block(formula, target.os === "darwin" ? "on_macos" : "on_linux", "  ");
      const arch = block(os, target.arch === "arm64" ? "on_arm" : "on_intel", "    ");
      const sha256 = CHECKSUMS.find((c) => c.file === assetName(target))!.sha256;
      expect(arch).toContain(
        `url "https://example.org/nexus/releases/v1.2.3/${assetName(target)}"`,
      );
      expect(arch).toContain(`sha256 "${sha256}"`);
    }
    expect(formula).toContain('version "1.2.3"');
    expect(formula).toContain('homepage "https://example.org/nexus"');
    expect(formula).not.toContain("{{");
  });

  test("tests the install with nexus --version", () => {
    expect(block(TEMPLATE, "test", "  ")).toContain('shell_output("#{bin}/nexus --version")');
  });

  test("runs nexus serve as a kept-alive service with log files", () => {
    const service = block(TEMPLATE, "service", "  ");
    expect(service).toContain('run [opt_bin/"nexus", "serve", "--config", etc/"nexus/nexus.toml"]');
    expect(service).toContain("keep_alive true");
    expect(service).toContain("log_path var/");
    expect(service).toContain("error_log_path var/");
  });

  test("is refused when a platform has no checksum", () => {
    expect(() => renderFormula(TEMPLATE, { ...VALUES, checksums: CHECKSUMS.slice(1) })).toThrow(
      "No checksum for nexus-linux-x64",
    );
  });

  test("is refused for a version or URL that would break out of a Ruby string", () => {
    expect(() => renderFormula(TEMPLATE, { ...VALUES, version: "1.2" })).toThrow(RangeError);
    expect(() => renderFormula(TEMPLATE, { ...VALUES, homepage: 'https://x/"; system "rm' }))
      .toThrow(RangeError);
    expect(() => renderFormula(TEMPLATE, { ...VALUES, baseUrl: "https://x/#{ENV}" })).toThrow(
      RangeError,
    );
  });

  test("is refused when the template has a placeholder the renderer does not know", () => {
    expect(() => renderFormula(`${TEMPLATE}# {{MYSTERY}}\n`, VALUES)).toThrow("{{MYSTERY}}");
  });
});
