/**
 * What a new user meets on the command line (specs/012-first-hour): usage errors generated from
 * the command table, `help`/`version` as words, and the hints `serve` and `config init` give.
 */
import { describe, expect, test } from "bun:test";
import { runCli } from "../../../src/cli/mod.ts";
import { reachableHost } from "../../../src/cli/serve-hints.ts";
import { startProgress } from "../../../src/cli/progress.ts";
import type { NetworkAddress } from "../../../src/runtime/mod.ts";
import { RuntimeFileError } from "../../../src/runtime/mod.ts";
import { VERSION } from "../../../src/version.ts";
import { FakeClock } from "../../helpers/fake-clock.ts";
import { createFakeRuntime } from "../../helpers/fake-runtime.ts";
import { closedPort } from "../../helpers/ports.ts";

async function run(argv: string[], init: Parameters<typeof createFakeRuntime>[0] = {}) {
  const runtime = createFakeRuntime(init);
  const code = await runCli(runtime, argv);
  return { code, stdout: runtime.stdoutText(), stderr: runtime.stderrText() };
}

describe("invalid flag values exit 2 with one line and the command's usage", () => {
  // Each is refused by the table before any server is called: the --url points nowhere, and an
  // attempt to reach it would exit 1 instead.
  const nowhere = ["--url", "http://127.0.0.1:1"];
  const cases: Array<[string[], string, string]> = [
    [
      ["backends", "list", "--status", "weird", ...nowhere],
      "error: invalid --status 'weird' (expected one of: unknown, healthy, busy, unhealthy, asleep, draining)",
      "Usage: nexus backends list [options]",
    ],
    [
      ["backends", "add", "http://h:11434", "--priority", "500", ...nowhere],
      "error: invalid --priority '500' (expected an integer from 0 to 100)",
      "Usage: nexus backends add <url> [options]",
    ],
    [
      ["backends", "add", "http://h:11434", "--priority", "high", ...nowhere],
      "error: invalid --priority 'high' (expected an integer from 0 to 100)",
      "Usage: nexus backends add <url> [options]",
    ],
    [
      ["backends", "add", "http://h:11434", "--type", "nope", ...nowhere],
      "error: invalid --type 'nope' (expected one of: auto, ollama, vllm, llamacpp, lmstudio, exo, openai, generic)",
      "Usage: nexus backends add <url> [options]",
    ],
    [
      ["serve", "-p", "abc"],
      "error: invalid --port 'abc' (expected an integer from 0 to 65535)",
      "Usage: nexus serve [options]",
    ],
    [
      ["serve", "--port=70000"],
      "error: invalid --port '70000' (expected an integer from 0 to 65535)",
      "Usage: nexus serve [options]",
    ],
    [
      ["serve", "-l", "loud"],
      "error: invalid --log-level 'loud' (expected one of: error, warn, info, debug, trace)",
      "Usage: nexus serve [options]",
    ],
    [
      ["keys", "create", "alice", "--expires", "tomorrow", ...nowhere],
      "error: invalid --expires 'tomorrow' (expected a duration like 30d, 12h or 2w)",
      "Usage: nexus keys create <name> [options]",
    ],
    [
      ["keys", "usage", "--since", "forever", ...nowhere],
      "error: invalid --since 'forever' (expected a duration like 30d, 12h or 2w)",
      "Usage: nexus keys usage [name] [options]",
    ],
    [
      ["health", "--url", "gpu-box:8000"],
      "error: invalid --url 'gpu-box:8000' (expected an http:// or https:// URL)",
      "Usage: nexus health [options]",
    ],
  ];
  for (const [argv, message, usage] of cases) {
    const name = argv.slice(-2).join(" ") === nowhere.join(" ") ? argv.slice(0, -2) : argv;
    test(name.join(" "), async () => {
      const { code, stdout, stderr } = await run(argv);
      expect(code).toBe(2);
      expect(stdout).toBe("");
      const lines = stderr.split("\n");
      expect(lines[0]).toBe(message);
      expect(lines[2]).toBe(usage);
    });
  }

  test("backends list --help lists every status, draining included", async () => {
    const { stdout } = await run(["backends", "list", "--help"]);
    expect(stdout).toContain("[unknown|healthy|busy|unhealthy|asleep|draining]");
  });

  test("help shows integer ranges next to the flag", async () => {
    expect((await run(["serve", "--help"])).stdout).toMatch(/--port <PORT> .*\[0-65535\]/);
    expect((await run(["backends", "add", "--help"])).stdout).toMatch(/--priority <N> .*\[0-100\]/);
  });
});

describe("nexus help and nexus version", () => {
  test("nexus help is nexus --help", async () => {
    const help = await run(["help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toBe((await run(["--help"])).stdout);
    expect(help.stdout).toContain("  help [command...]");
    expect(help.stdout).toContain("  version ");
  });

  test("nexus help <command> is <command> --help, for nested commands too", async () => {
    for (const words of [["serve"], ["backends", "add"], ["config", "init"], ["backends"]]) {
      const help = await run(["help", ...words]);
      expect(help.code).toBe(0);
      expect(help.stdout).toBe((await run([...words, "--help"])).stdout);
    }
  });

  test("nexus help with an unknown command is a usage error", async () => {
    const { code, stderr } = await run(["help", "frobnicate"]);
    expect(code).toBe(2);
    expect(stderr.split("\n")[0]).toMatch(/^error: unknown command 'frobnicate'/);
  });

  test("nexus version is nexus --version", async () => {
    const { code, stdout } = await run(["version"]);
    expect(code).toBe(0);
    expect(stdout).toBe(`nexus ${VERSION}\n`);
  });

  test("help and version explain themselves with --help", async () => {
    expect((await run(["help", "version"])).stdout).toContain("Usage: nexus version [options]");
    expect((await run(["version", "--help"])).stdout).toContain("Usage: nexus version [options]");
  });
});

describe("nexus config init into a directory that does not exist", () => {
  test("says the directory does not exist, not that a file was not found", async () => {
    const runtime = createFakeRuntime();
    const missing = {
      ...runtime,
      writeTextFile: (path: string) => Promise.reject(new RuntimeFileError("not_found", path)),
    };
    expect(await runCli(missing, ["config", "init", "-o", "/missing/dir/x.toml"])).toBe(1);
    expect(runtime.stderrText()).toBe(
      'error: Cannot write "/missing/dir/x.toml": directory "/missing/dir" does not exist\n',
    );
  });
});

const HOST_ADDRESSES: NetworkAddress[] = [
  { address: "127.0.0.1", family: "IPv4", internal: true },
  { address: "::1", family: "IPv6", internal: true },
  { address: "fe80::1c2b:3ff:fe4d:5e6f", family: "IPv6", internal: false },
  { address: "169.254.10.1", family: "IPv4", internal: false },
  { address: "2001:db8::20", family: "IPv6", internal: false },
  { address: "192.168.1.20", family: "IPv4", internal: false },
];

describe("the URL nexus serve shows", () => {
  test("a wildcard bind shows this host's first usable address, IPv4 first", () => {
    expect(reachableHost("0.0.0.0", HOST_ADDRESSES)).toBe("192.168.1.20");
    expect(reachableHost("::", HOST_ADDRESSES)).toBe("192.168.1.20");
    expect(reachableHost("::", HOST_ADDRESSES.filter((a) => a.family === "IPv6"))).toBe(
      "[2001:db8::20]",
    );
    // 0.0.0.0 accepts IPv4 only: an IPv6 address would not reach it.
    expect(reachableHost("0.0.0.0", HOST_ADDRESSES.filter((a) => a.family === "IPv6"))).toBe(
      "127.0.0.1",
    );
  });

  test("without a network address, loopback; a specific bind shows itself", () => {
    expect(reachableHost("0.0.0.0", HOST_ADDRESSES.slice(0, 2))).toBe("127.0.0.1");
    expect(reachableHost("0.0.0.0", [])).toBe("127.0.0.1");
    expect(reachableHost("10.0.0.5", HOST_ADDRESSES)).toBe("10.0.0.5");
    expect(reachableHost("::1", HOST_ADDRESSES)).toBe("[::1]");
  });
});

/** Runs `nexus serve` on the fake runtime until its startup lines are out, then stops it. */
async function serveOutput(args: string[], files: Record<string, string> = {}): Promise<string> {
  const runtime = createFakeRuntime({ files, addresses: HOST_ADDRESSES });
  const running = runCli(runtime, ["serve", ...args]);
  const deadline = performance.now() + 10_000;
  while (!runtime.stdoutText().includes("Nexus listening")) {
    if (performance.now() > deadline) {
      throw new Error(`serve never listened:\n${runtime.stdoutText()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  runtime.emitSignal("SIGTERM");
  expect(await running).toBe(0);
  return runtime.stdoutText();
}

describe("nexus serve at startup", () => {
  test("the listen line shows a URL to paste, and the bind address beside it", async () => {
    const output = await serveOutput(["--no-discovery", "--no-health-check"]);
    expect(output).toMatch(
      /Nexus listening address=http:\/\/192\.168\.1\.20:8000 bind=0\.0\.0\.0:8000 /,
    );
  });

  test("with no backend, says once what to do next, with discovery on", async () => {
    const output = await serveOutput(["--no-health-check"]);
    const hints = output.split("\n").filter((line) =>
      /No backends yet|[dD]iscovery is o|Clients use base URL/.test(line)
    );
    expect(hints.map((line) => line.replace(/^\S+ INFO {2}/, ""))).toEqual([
      'No backends yet: add one with "nexus backends add http://HOST:PORT" (Ollama, vLLM, llama.cpp, LM Studio …) or under [[backends]] in the config file',
      "mDNS discovery is on: LLM servers that announce themselves on this network are added as they are found",
      "Clients use base URL http://192.168.1.20:8000/v1 with any API key",
    ]);
  });

  test("with discovery off, says so", async () => {
    const output = await serveOutput(["--no-discovery", "--no-health-check", "-H", "127.0.0.1"]);
    expect(output).toContain(
      "Discovery is off: backends come from the config file and nexus backends add only",
    );
    expect(output).toContain("Clients use base URL http://127.0.0.1:8000/v1 with any API key");
    expect(output).not.toContain("bind=");
  });

  test("with a configured backend, no hint; a url ending in /v1 gets a warning", async () => {
    const url = `http://127.0.0.1:${await closedPort()}/v1`;
    const output = await serveOutput(["--no-discovery", "--no-health-check"], {
      "nexus.toml": `[[backends]]\nname = "gpu"\nurl = "${url}"\n`,
    });
    expect(output).not.toContain("No backends yet");
    expect(output).toContain(
      `WARN  config: backends[0].url "${url}" ends in /v1: drop /v1: Nexus adds it (from nexus.toml)`,
    );
  });
});

describe("progress while waiting", () => {
  test("on a terminal: the line, a seconds count, and erased at the end", () => {
    const clock = new FakeClock();
    let text = "";
    const progress = startProgress(true, (t) => (text += t), "probing http://h:8000", clock);
    expect(text).toBe("probing http://h:8000 …");
    clock.advance(1000);
    clock.advance(1000);
    expect(text).toContain("\r\x1b[Kprobing http://h:8000 … 2 s");
    progress.stop();
    expect(text.endsWith("\r\x1b[K")).toBe(true);
    const before = text;
    clock.advance(5000);
    expect(text).toBe(before);
  });

  test("not on a terminal: nothing at all", () => {
    let text = "";
    startProgress(false, (t) => (text += t), "probing http://h:8000").stop();
    expect(text).toBe("");
  });
});
