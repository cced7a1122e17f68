/** `nexus config check [FILE]`: exit 0 with a summary, or 1 with every error named. */
import { describe, expect, test } from "bun:test";
import { runCli } from "../../../src/cli/mod.ts";
import { createFakeRuntime } from "../../helpers/fake-runtime.ts";

async function check(argv: string[], files: Record<string, string>, env = {}) {
  const runtime = createFakeRuntime({ files, env });
  const code = await runCli(runtime, ["config", "check", ...argv]);
  return { code, stdout: runtime.stdoutText(), stderr: runtime.stderrText() };
}

describe("nexus config check", () => {
  test("a valid file: a summary, warnings on stderr, exit 0", async () => {
    const { code, stdout, stderr } = await check(["/etc/nexus.toml"], {
      "/etc/nexus.toml":
        '[server]\nport = 9000\nmystery = 1\n[routing.aliases]\nfast = "m"\n[[backends]]\nurl = "http://gpu:11434"\n',
    });
    expect(code).toBe(0);
    expect(stdout).toBe(
      "/etc/nexus.toml: valid (1 backend, 1 alias, listening on 0.0.0.0:9000)\n",
    );
    expect(stderr).toBe(
      'warning: unknown key "server.mystery" ignored (from /etc/nexus.toml)\n',
    );
  });

  test("a backend's api_key_env that names an unset variable: a warning, exit 0", async () => {
    const file = {
      "nexus.toml":
        '[[backends]]\nname = "gpu"\nurl = "http://gpu:8000"\napi_key_env = "GPU_KEY"\n',
    };
    const unset = await check([], file);
    expect(unset.code).toBe(0);
    expect(unset.stderr).toBe(
      "warning: backends[0].api_key_env: variable GPU_KEY is not set in this environment (nexus serve would send gpu no key)\n",
    );
    const set = await check([], file, { GPU_KEY: "sk-test" });
    expect(set.code).toBe(0);
    expect(set.stderr).toBe("");
  });

  test("an invalid file: every error with key, value and source, exit 1", async () => {
    const { code, stdout, stderr } = await check([], {
      "nexus.toml": '[server]\nport = 70000\n[routing]\nstrategy = "fastest"\n',
    });
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain("server.port: must be <= 65535, got 70000 (from nexus.toml)");
    expect(stderr).toContain(
      'routing.strategy: expected one of smart|round_robin|priority_only|random, got "fastest" (from nexus.toml)',
    );
  });

  test("the environment counts, as for nexus serve; a missing named file is an error", async () => {
    const env = await check(["a.toml"], { "a.toml": "" }, { NEXUS_PORT: "nope" });
    expect(env.code).toBe(1);
    expect(env.stderr).toContain(
      'server.port: expected a number, got "nope" (from env NEXUS_PORT)',
    );
    const missing = await check(["missing.toml"], {});
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('Cannot load config "missing.toml": file not found\n');
  });
});
