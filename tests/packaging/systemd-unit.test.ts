import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { needs, tool } from "../helpers/needs.ts";
import { ROOT_DIR, runCommand } from "../helpers/processes.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const UNIT_TEXT = readFileSync(`${ROOT_DIR}scripts/nexus.service`, "utf8");

/** `Key=value` lines of one section, values of repeated keys in order. */
function directives(text: string, section: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  let current = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (line.startsWith("[")) {
      current = line;
      continue;
    }
    if (current !== `[${section}]`) continue;
    const at = line.indexOf("=");
    const key = line.slice(0, at);
    found.set(key, [...(found.get(key) ?? []), line.slice(at + 1)]);
  }
  return found;
}

/**
 * A throw-away root for `systemd-analyze --root`: the real unit file, unchanged, in
 * etc/systemd/system; the distribution's units it depends on (sysinit.target …); and
 * executables at usr/local/bin/nexus and bin/kill, because verify checks that ExecStart and
 * ExecReload exist.
 */
async function makeRoot(unitText: string): Promise<string> {
  const root = tempDir("unit");
  mkdirSync(`${root}/usr/local/bin`, { recursive: true });
  mkdirSync(`${root}/etc/systemd/system`, { recursive: true });
  mkdirSync(`${root}/usr/lib/systemd`, { recursive: true });
  // cp -a keeps the relative symlinks between units exactly as the distribution has them.
  await runCommand("cp", ["-a", "/usr/lib/systemd/system", `${root}/usr/lib/systemd/system`]);
  mkdirSync(`${root}/bin`, { recursive: true });
  for (const program of ["usr/local/bin/nexus", "bin/kill"]) {
    writeFileSync(`${root}/${program}`, "#!/bin/sh\n");
    chmodSync(`${root}/${program}`, 0o755);
  }
  writeFileSync(`${root}/etc/systemd/system/nexus.service`, unitText);
  return root;
}

function verify(root: string) {
  return runCommand("systemd-analyze", ["verify", `--root=${root}`, "--man=no", "nexus.service"]);
}

const systemd = needs(tool("systemd-analyze", "systemd"));

describe("scripts/nexus.service", () => {
  const roots: string[] = [];
  let root = "";

  beforeAll(async () => {
    // The root copies the distribution's units, which only a machine with systemd has.
    if (systemd.verdict.mode !== "run") return;
    root = await makeRoot(UNIT_TEXT);
    roots.push(root);
  });
  afterAll(() => {
    for (const dir of roots) rmSync(dir, { recursive: true, force: true });
  });

  systemd.test("passes systemd-analyze verify without a single warning", async () => {
    const result = await verify(root);
    expect(result.stdout + result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  systemd.test("verify reports a mistake, so a clean run means something", async () => {
    const broken = await makeRoot(UNIT_TEXT.replace("ProtectHome=yes", "ProtectHome=sometimes"));
    roots.push(broken);
    expect((await verify(broken)).stderr).toContain("protect home value, ignoring: sometimes");
  });

  systemd.test("keeps the overall exposure of systemd-analyze security at 2.0 or below", async () => {
    const result = await runCommand("systemd-analyze", [
      "security",
      "--offline=yes",
      `--root=${root}`,
      "--threshold=20",
      "--no-pager",
      "nexus.service",
    ]);
    expect(result.stdout).toContain("Overall exposure level for nexus.service");
    expect(result.code).toBe(0);
  });

  test("runs nexus serve as the nexus user and restarts it on failure", () => {
    const service = directives(UNIT_TEXT, "Service");
    expect(service.get("ExecStart")).toEqual([
      "/usr/local/bin/nexus serve --config /etc/nexus/nexus.toml",
    ]);
    expect(service.get("User")).toEqual(["nexus"]);
    expect(service.get("Group")).toEqual(["nexus"]);
    expect(service.get("Restart")).toEqual(["on-failure"]);
    expect(directives(UNIT_TEXT, "Install").get("WantedBy")).toEqual(["multi-user.target"]);
  });

  test("reloads on SIGHUP and gives Nexus one writable directory, its state directory", () => {
    const service = directives(UNIT_TEXT, "Service");
    expect(service.get("ExecReload")).toEqual(["/bin/kill -HUP $MAINPID"]);
    // ProtectSystem=strict leaves /etc read-only: the state and keys files go to /var/lib/nexus
    // ($STATE_DIRECTORY, src/config/paths.ts writablePath).
    expect(service.get("StateDirectory")).toEqual(["nexus"]);
    expect(service.get("ReadWritePaths")).toBeUndefined();
  });

  test("sets the required hardening", () => {
    const service = directives(UNIT_TEXT, "Service");
    for (
      const [key, value] of Object.entries({
        NoNewPrivileges: "yes",
        ProtectSystem: "strict",
        ProtectHome: "yes",
        PrivateTmp: "yes",
        CapabilityBoundingSet: "",
      })
    ) {
      expect([key, service.get(key)]).toEqual([key, [value]]);
    }
  });

  test("leaves mDNS, the JIT and the journal working", () => {
    const service = directives(UNIT_TEXT, "Service");
    // Multicast UDP needs AF_INET/AF_INET6, interface listing AF_NETLINK.
    const families = service.get("RestrictAddressFamilies")!.join(" ").split(/\s+/);
    expect(families).toEqual(expect.arrayContaining(["AF_INET", "AF_INET6", "AF_NETLINK"]));
    expect(families.some((f) => f.startsWith("~"))).toBe(false);
    for (const key of ["PrivateNetwork", "IPAddressDeny", "MemoryDenyWriteExecute"]) {
      expect([key, service.has(key)]).toEqual([key, false]);
    }
    for (const key of ["StandardOutput", "StandardError"]) {
      expect([key, service.get(key) ?? ["journal"]]).toEqual([key, ["journal"]]);
    }
  });

  test("grants no capabilities", () => {
    const service = directives(UNIT_TEXT, "Service");
    expect(service.has("AmbientCapabilities")).toBe(false);
  });
});
