/**
 * `nexus keys create` with no server to answer writes the keys file the config names; when that
 * config has `[auth] mode = "off"` (the default) it says the key is not checked yet.
 */
import { describe, expect, test } from "bun:test";
import { runCli } from "../../../src/cli/mod.ts";
import { createFakeRuntime } from "../../helpers/fake-runtime.ts";
import { closedPort } from "../../helpers/ports.ts";

async function create(files: Record<string, string>) {
  const runtime = createFakeRuntime({ files });
  const url = `http://127.0.0.1:${await closedPort()}`;
  const code = await runCli(runtime, ["keys", "create", "alice", "--url", url]);
  return { code, stderr: runtime.stderrText(), stdout: runtime.stdoutText() };
}

describe("nexus keys create without a server", () => {
  test("with auth off (no config): the key is written, and not checked until keys mode", async () => {
    const { code, stdout, stderr } = await create({});
    expect(code).toBe(0);
    expect(stdout).toMatch(/nx-[A-Za-z0-9_-]{32}/);
    expect(stderr).toContain("No Nexus server answered: wrote the key's hash to");
    expect(stderr).toContain(
      'Keys are not checked yet: no config file, so [auth] mode is the default, off; set mode = "keys" and (re)start Nexus.',
    );
    const off = await create({ "nexus.toml": '[auth]\nmode = "off"\n' });
    expect(off.stderr).toContain('Keys are not checked yet: nexus.toml has [auth] mode = "off"');
  });

  test("with keys mode on: no such note", async () => {
    const { code, stderr } = await create({ "nexus.toml": '[auth]\nmode = "keys"\n' });
    expect(code).toBe(0);
    expect(stderr).not.toContain("not checked yet");
  });
});

describe("nexus keys create with a name no key may have", () => {
  test("is a usage error (exit 2) that says what a name may be; nothing is written", async () => {
    const runtime = createFakeRuntime({ files: {} });
    const url = `http://127.0.0.1:${await closedPort()}`;
    const code = await runCli(runtime, ["keys", "create", "bad name!", "--url", url]);
    expect(code).toBe(2);
    expect(runtime.stderrText()).toContain('Invalid key name "bad name!": a key name is 1-64');
    expect(runtime.stdoutText()).not.toMatch(/nx-/);
    expect(runtime.stderrText()).not.toContain("wrote the key's hash");
  });
});
