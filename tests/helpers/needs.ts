/**
 * Tests that need something a fresh machine may lack: a Debian tool (zsh, promtool, avahi …) or
 * root. Outside CI such a test is SKIPPED when the need is missing, with the reason in its name,
 * so `npm test` passes on a fresh machine and its last line counts the skips. With CI=true it
 * FAILS instead: `.ci/run` installs every tool and runs as root, so a skip there hides a gap.
 *
 * ```ts
 * needs(tool("zsh", "zsh")).test("the zsh script parses under zsh -n", async () => { … });
 * needs(root("ip netns add"), tool("ip", "iproute2")).describe("between two hosts", () => { … });
 * ```
 * Only `test` and `test.skip` of bun:test are used, so the skips show as skipped in the JUnit
 * reports of both `bun test` and `deno test` (through tests/helpers/bun-test-shim.ts).
 */
import { describe, test } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";

export interface Need {
  /** Why the test cannot run on this machine; undefined when it can. */
  readonly missing: string | undefined;
}

/** `command` on the PATH (as `command -v` finds it); `path` is for the helper's own tests. */
export function tool(command: string, debianPackage: string, path = process.env.PATH ?? ""): Need {
  const found = path.split(":").some((dir) => dir !== "" && isExecutableFile(join(dir, command)));
  return {
    missing: found ? undefined : `${command} is not installed (apt-get install ${debianPackage})`,
  };
}

/** Running as root, for `what`; `uid` is for the helper's own tests. */
export function root(what: string, uid = process.getuid?.()): Need {
  return { missing: uid === 0 ? undefined : `needs root for ${what}` };
}

export type Verdict = { readonly mode: "run" } | {
  readonly mode: "skip" | "fail";
  readonly reason: string;
};

/** Run when nothing is missing; otherwise skip, or fail under CI. */
export function verdict(list: readonly Need[], ci: boolean): Verdict {
  const missing = list.flatMap((need) => need.missing === undefined ? [] : [need.missing]);
  if (missing.length === 0) return { mode: "run" };
  return { mode: ci ? "fail" : "skip", reason: missing.join("; ") };
}

/** `test` and `describe` that run, skip or fail by the verdict. */
export interface Gate {
  readonly verdict: Verdict;
  test(name: string, fn: () => unknown, timeoutMs?: number): void;
  /** Skipped or failed as one case: its body (hooks included) never runs then. */
  describe(name: string, body: () => void): void;
}

export function needs(...list: readonly Need[]): Gate {
  return gate(verdict(list, process.env.CI === "true"));
}

export function gate(decided: Verdict): Gate {
  const standIn = (name: string) => {
    if (decided.mode === "skip") {
      test.skip(`${name} [skipped: ${decided.reason}]`, () => {});
    } else if (decided.mode === "fail") {
      const reason = decided.reason;
      test(name, () => {
        throw new Error(
          `${reason}. CI=true runs every test: .ci/run installs the tools and runs as root`,
        );
      });
    }
  };
  return {
    verdict: decided,
    test(name, fn, timeoutMs) {
      if (decided.mode !== "run") return standIn(name);
      if (timeoutMs === undefined) test(name, fn as () => void);
      else test(name, fn as () => void, timeoutMs);
    },
    describe(name, body) {
      if (decided.mode !== "run") return standIn(name);
      describe(name, body);
    },
  };
}

function isExecutableFile(path: string): boolean {
  try {
    const stat = statSync(path);
    return stat.isFile() && (stat.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}
