import { describe, expect, test } from "bun:test";
import { type CommandSpec, ROOT, runCli } from "../../../src/cli/mod.ts";
import { FULL_TEMPLATE, MINIMAL_TEMPLATE } from "../../../src/config/mod.ts";
import { VERSION } from "../../../src/version.ts";
import { createFakeRuntime } from "../../helpers/fake-runtime.ts";

async function run(argv: string[], files: Record<string, string> = {}) {
  const runtime = createFakeRuntime({ files });
  const code = await runCli(runtime, argv);
  return { code, stdout: runtime.stdoutText(), stderr: runtime.stderrText(), files: runtime.files };
}

describe("nexus --help and --version", () => {
  test("--version prints the version and exits 0", async () => {
    for (const flag of ["--version", "-V"]) {
      const { code, stdout } = await run([flag]);
      expect(code).toBe(0);
      expect(stdout).toBe(`nexus ${VERSION}\n`);
    }
  });

  test("--help lists every command and exits 0", async () => {
    const { code, stdout, stderr } = await run(["--help"]);
    expect(code).toBe(0);
    expect(stderr).toBe("");
    expect(stdout).toContain("Usage: nexus <command> [options]");
    for (
      const command of [
        "serve",
        "backends list",
        "backends add <url>",
        "backends remove <name>",
        "models",
        "health",
        "config init",
        "completions bash|zsh|fish",
      ]
    ) {
      expect(stdout).toContain(`  ${command}`);
    }
  });

  test("keys list and keys usage --help do not claim to edit the keys file (they read it)", async () => {
    for (const command of ["list", "usage"]) {
      const { code, stdout } = await run(["keys", command, "--help"]);
      expect(code).toBe(0);
      expect(stdout).toContain("when none answers, it works on the keys file the config names");
      expect(stdout).not.toContain("edits");
    }
  });

  test("<command> --help shows that command's flags", async () => {
    const { code, stdout } = await run(["serve", "--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("Usage: nexus serve [options]");
    for (
      const flag of [
        "-c, --config <FILE>",
        "-p, --port <PORT>",
        "-H, --host <HOST>",
        "-l, --log-level <LEVEL>",
        "--no-discovery",
        "--no-health-check",
      ]
    ) {
      expect(stdout).toContain(flag);
    }
    expect((await run(["config", "init", "-h"])).stdout).toContain(
      "Usage: nexus config init [options]",
    );
    expect((await run(["config", "--help"])).stdout).toContain("init");
  });
});

describe("usage errors", () => {
  const cases: Array<[string, string[], string]> = [
    ["no command", [], "error: missing command"],
    [
      "an unknown command",
      ["frobnicate"],
      "error: unknown command 'frobnicate' (expected one of: serve, backends, models, keys, health, reload, doctor, config, completions, help, version)",
    ],
    ["an unknown flag", ["serve", "--bogus"], "error: unknown option '--bogus'"],
    [
      "an unknown subcommand",
      ["config", "destroy"],
      "error: unknown command 'destroy' (expected one of: init, check)",
    ],
    ["a group without its subcommand", ["config"], "error: 'nexus config' needs a command"],
    ["a missing argument", ["completions"], "error: missing <shell>"],
    [
      "an unknown shell",
      ["completions", "tcsh"],
      "error: invalid <shell> 'tcsh' (expected one of: bash, zsh, fish)",
    ],
    ["an extra argument", ["serve", "now"], "error: unexpected argument 'now'"],
    ["a flag without its value", ["serve", "--port"], "error: option '--port' needs a value"],
    [
      "a flag followed by another flag instead of its value",
      ["serve", "--port", "--host", "0.0.0.0"],
      "error: option '--port' needs a value (one that starts with '-' is written --port=VALUE)",
    ],
    [
      "a short flag followed by a negative number",
      ["serve", "-p", "-1"],
      "error: option '--port' needs a value (one that starts with '-' is written --port=VALUE)",
    ],
  ];
  for (const [what, argv, message] of cases) {
    test(`${what} prints the problem and usage on stderr and exits 2`, async () => {
      const { code, stdout, stderr } = await run(argv);
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr.split("\n")[0]).toBe(message);
      expect(stderr).toContain("Usage: nexus");
      expect(stderr).not.toContain("    at ");
    });
  }
});

/** Every command line that runs something: its words, and the spec that ends it. */
function verbs(node: CommandSpec = ROOT, words: string[] = []): Array<[string[], CommandSpec]> {
  const here: Array<[string[], CommandSpec]> = node.load || node.alias ? [[words, node]] : [];
  return [
    ...here,
    ...(node.subcommands ?? []).flatMap((child) => verbs(child, [...words, child.name])),
  ];
}

describe("stray arguments", () => {
  const all = verbs();

  test("the table has the verbs nexus --help lists", () => {
    const names = all.map(([words]) => words.join(" "));
    for (const verb of ["serve", "version", "help", "reload", "doctor", "keys usage"]) {
      expect(names).toContain(verb);
    }
  });

  // Each verb with its required arguments filled in, then one word too many (a group that also
  // runs, `nexus models`, reads it as an unknown subcommand: the same line, naming the word).
  for (const [words, spec] of all) {
    const variadic = spec.positionals?.some((p) => p.variadic) ?? false;
    const needed = (spec.positionals ?? []).filter((p) => p.required)
      .map((p) => p.choices?.[0] ?? "x");
    const name = words.join(" ");
    if (!variadic) {
      test(`nexus ${name} refuses a stray word: one line naming it, --help, exit 2`, async () => {
        const argv = [
          ...words,
          ...needed,
          ...(spec.positionals ?? []).slice(needed.length)
            .map(() => "y"),
          "stray",
        ];
        const { code, stdout, stderr } = await run(argv);
        expect(code).toBe(2);
        expect(stdout).toBe("");
        const first = stderr.split("\n")[0];
        expect([
          "error: unexpected argument 'stray'",
          `error: unknown command 'stray' (expected one of: ${
            spec.subcommands?.map((c) => c.name).join(", ")
          })`,
        ]).toContain(first!);
        expect(stderr).toContain(`Run 'nexus ${name} --help' for more information.`);
      });
    }
    test(`nexus ${name} refuses an unknown flag, exit 2`, async () => {
      const { code, stderr } = await run([...words, ...needed, "--stray"]);
      expect(code).toBe(2);
      expect(stderr.split("\n")[0]).toBe("error: unknown option '--stray'");
      expect(stderr).toContain(`Run 'nexus ${name} --help' for more information.`);
    });
  }

  test("nexus --version with a stray word is refused; --help with one still helps", async () => {
    for (const flag of ["--version", "-V"]) {
      const { code, stdout, stderr } = await run([flag, "extra"]);
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr.split("\n")[0]).toBe("error: unexpected argument 'extra'");
    }
    expect((await run(["--help", "extra"])).code).toBe(0);
    expect((await run(["help", "backends", "add"])).stdout).toContain(
      "Usage: nexus backends add <url> [options]",
    );
  });
});

describe("nexus config init", () => {
  test("writes the full template to nexus.toml", async () => {
    const { code, files, stderr } = await run(["config", "init"]);
    expect(code).toBe(0);
    expect(files.get("nexus.toml")).toBe(FULL_TEMPLATE);
    expect(stderr).toBe("Wrote nexus.toml\n");
  });

  test("writes the minimal template to the -o path", async () => {
    const { code, files } = await run(["config", "init", "--minimal", "-o", "etc/n.toml"]);
    expect(code).toBe(0);
    expect(files.get("etc/n.toml")).toBe(MINIMAL_TEMPLATE);
  });

  test("refuses to overwrite an existing file without --force and exits 1", async () => {
    const { code, files, stderr } = await run(["config", "init"], { "nexus.toml": "mine" });
    expect(code).toBe(1);
    expect(files.get("nexus.toml")).toBe("mine");
    expect(stderr).toBe(
      'error: Cannot write "nexus.toml": file already exists (use --force to overwrite)\n',
    );
  });

  test("overwrites with --force", async () => {
    const { code, files } = await run(["config", "init", "--force"], { "nexus.toml": "mine" });
    expect(code).toBe(0);
    expect(files.get("nexus.toml")).toBe(FULL_TEMPLATE);
  });

  test("-o - prints the template instead of writing a file", async () => {
    const { code, stdout, files } = await run(["config", "init", "-o", "-"]);
    expect(code).toBe(0);
    expect(stdout).toBe(FULL_TEMPLATE);
    expect(files.size).toBe(0);
  });
});

describe("nexus serve", () => {
  test("a bad config value exits 1 with the named-key message and no stack trace", async () => {
    const { code, stderr } = await run(["serve", "-c", "n.toml"], {
      "n.toml": '[routing]\nstrategy = "fastest"\n',
    });
    expect(code).toBe(1);
    expect(stderr).toBe(
      'error: Invalid configuration:\n  routing.strategy: expected one of smart|round_robin|priority_only|random, got "fastest" (from n.toml)\n',
    );
  });

  test("a missing -c file exits 1", async () => {
    const { code, stderr } = await run(["serve", "-c", "gone.toml"]);
    expect(code).toBe(1);
    expect(stderr).toBe('error: Cannot load config "gone.toml": file not found\n');
  });
});
