/**
 * What a test needing a tool or root does on this machine: run, skip with the reason (outside
 * CI), or fail (CI=true). The machine is simulated: a PATH of our own, a uid of our choosing.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { root, tool, verdict } from "../../helpers/needs.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

const dir = tempDir("needs");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function binDir(name: string, files: Record<string, number>): string {
  const bin = join(dir, name);
  mkdirSync(bin);
  for (const [file, mode] of Object.entries(files)) {
    writeFileSync(join(bin, file), "#!/bin/sh\n");
    chmodSync(join(bin, file), mode);
  }
  return bin;
}

describe("tool()", () => {
  test("finds an executable file in any PATH entry", () => {
    const path = `${binDir("empty", {})}:${binDir("with-zsh", { zsh: 0o755 })}`;
    expect(tool("zsh", "zsh", path).missing).toBeUndefined();
  });

  test("names the command and its Debian package when it is missing", () => {
    const path = binDir("no-fish", { "not-fish": 0o755 });
    expect(tool("fish", "fish", path).missing).toBe("fish is not installed (apt-get install fish)");
    expect(tool("promtool", "prometheus", "").missing).toBe(
      "promtool is not installed (apt-get install prometheus)",
    );
  });

  test("does not count a file that is not executable, or a directory", () => {
    const path = binDir("plain", { ruby: 0o644 });
    mkdirSync(join(path, "shellcheck"));
    expect(tool("ruby", "ruby", path).missing).toBeDefined();
    expect(tool("shellcheck", "shellcheck", path).missing).toBeDefined();
  });
});

describe("root()", () => {
  test("is there for uid 0 only", () => {
    expect(root("ip netns add", 0).missing).toBeUndefined();
    expect(root("ip netns add", 1000).missing).toBe("needs root for ip netns add");
  });
});

describe("verdict()", () => {
  const zsh = { missing: undefined };
  const noFish = { missing: "fish is not installed (apt-get install fish)" };
  const noRoot = { missing: "needs root for ip netns add" };

  test("runs when nothing is missing, in CI or not", () => {
    expect(verdict([zsh], false)).toEqual({ mode: "run" });
    expect(verdict([zsh], true)).toEqual({ mode: "run" });
    expect(verdict([], false)).toEqual({ mode: "run" });
  });

  test("skips outside CI with every missing reason", () => {
    expect(verdict([zsh, noFish, noRoot], false)).toEqual({
      mode: "skip",
      reason: "fish is not installed (apt-get install fish); needs root for ip netns add",
    });
  });

  test("fails under CI=true instead of skipping", () => {
    expect(verdict([noFish], true)).toEqual({ mode: "fail", reason: noFish.missing });
  });
});
