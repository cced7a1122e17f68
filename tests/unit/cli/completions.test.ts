import { describe, expect, test } from "bun:test";
import { runCli } from "../../../src/cli/mod.ts";
import { createFakeRuntime } from "../../helpers/fake-runtime.ts";
import { needs, tool } from "../../helpers/needs.ts";
import { runCommand } from "../../helpers/processes.ts";

async function script(shell: string): Promise<string> {
  const runtime = createFakeRuntime();
  expect(await runCli(runtime, ["completions", shell])).toBe(0);
  return runtime.stdoutText();
}

const FLAGS = [
  "--config",
  "--port",
  "--host",
  "--log-level",
  "--no-discovery",
  "--no-health-check",
  "--output",
  "--force",
  "--minimal",
  "--help",
  "--url",
  "--json",
  "--status",
  "--name",
  "--type",
  "--priority",
  "--backend",
];

describe("nexus completions", () => {
  for (const shell of ["bash", "zsh", "fish"]) {
    test(`the ${shell} script names every command and flag`, async () => {
      const text = await script(shell);
      for (const command of ["serve", "config", "init", "completions"]) {
        expect(text).toContain(command);
      }
      for (const flag of FLAGS) {
        expect(shell === "fish" ? text.includes(`-l ${flag.slice(2)}`) : text.includes(flag)).toBe(
          true,
        );
      }
    });
  }

  test("the bash script is valid bash and completes commands and flags", async () => {
    const text = await script("bash");
    const complete = async (line: string) => {
      const words = line.split(" ");
      const program = `${text}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${
        words.length - 1
      }; _nexus; echo "\${COMPREPLY[*]}"`;
      const result = await runCommand("bash", ["-c", program]);
      expect(result.stderr).toBe("");
      return result.stdout.trim().split(" ");
    };
    expect(await complete("nexus s")).toEqual(["serve"]);
    expect(await complete("nexus config ")).toEqual(["init", "check", "--help", "-h"]);
    expect(await complete("nexus config init --")).toEqual([
      "--output",
      "--force",
      "--minimal",
      "--help",
    ]);
    expect(await complete("nexus config i")).toEqual(["init"]);
    expect(await complete("nexus serve --no-")).toEqual(["--no-discovery", "--no-health-check"]);
    expect(await complete("nexus serve --log-level d")).toEqual(["debug"]);
    expect(await complete("nexus backends ")).toEqual([
      "list",
      "add",
      "remove",
      "wake",
      "--help",
      "-h",
    ]);
    expect(await complete("nexus backends add http://x --type ll")).toEqual(["llamacpp"]);
    expect(await complete("nexus backends list --status un")).toEqual(["unknown", "unhealthy"]);
    expect(await complete("nexus backends list --status dr")).toEqual(["draining"]);
    expect(await complete("nexus he")).toEqual(["health", "help"]);
    expect(await complete("nexus completions ")).toEqual(["bash", "zsh", "fish", "--help", "-h"]);
  });

  needs(tool("zsh", "zsh")).test("the zsh script parses under zsh -n", async () => {
    const result = await runCommand("zsh", ["-n"], { input: await script("zsh") });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  needs(tool("fish", "fish")).test("the fish script parses under fish --no-execute", async () => {
    const result = await runCommand("fish", ["--no-execute"], { input: await script("fish") });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });
});
