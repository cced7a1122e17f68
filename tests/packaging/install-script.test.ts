import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { detectExecutable, type ReleaseArch } from "../../scripts/release-assets.ts";
import { gate, needs, root, tool } from "../helpers/needs.ts";
import { ROOT_DIR, runCommand } from "../helpers/processes.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const INSTALL = `${ROOT_DIR}scripts/install.sh`;
const UNIT = readFileSync(`${ROOT_DIR}scripts/nexus.service`, "utf8");
const VERSION = JSON.parse(readFileSync(`${ROOT_DIR}package.json`, "utf8")).version;

/**
 * Stands in for the 100 MB binary: answers `--version` and `config init -o FILE`, refusing to
 * overwrite a file as the real command does.
 */
function fakeBinary(dir: string, version = "0.0.1-fake"): string {
  const path = join(dir, `nexus-${version}`);
  writeFileSync(
    path,
    `#!/bin/sh
case "$1 $2" in
--version*) echo "nexus ${version}" ;;
"config init")
  [ "$3" = -o ] || exit 2
  [ -e "$4" ] && { echo "exists: $4" >&2; exit 1; }
  printf '# written by fake nexus ${version}\\n[server]\\nport = 8000\\n' > "$4" ;;
*) exit 2 ;;
esac
`,
  );
  chmodSync(path, 0o755);
  return path;
}

/** Every path under dir with its mode and content, to compare two runs exactly. */
function snapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).sort().map((rel) => {
    const stat = statSync(join(dir, rel));
    const content = stat.isFile() ? readFileSync(join(dir, rel), "utf8") : "";
    return `${(stat.mode & 0o7777).toString(8)} ${rel} ${content.length}:${content}`;
  });
}

const install = (...args: string[]) => runCommand(INSTALL, args);

describe("scripts/install.sh", () => {
  let work = "";
  let binary = "";
  beforeAll(() => {
    work = tempDir("install");
    binary = fakeBinary(work);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const prefixFor = (name: string) => join(work, name);

  test("prints its usage on --help", async () => {
    const result = await install("--help");
    expect(result.stdout).toContain("Usage: install.sh [--prefix DIR] [--binary PATH]");
    expect(result.code).toBe(0);
  });

  test("exits 2 with the usage on an unknown flag or a missing value", async () => {
    for (const args of [["--bogus"], ["--prefix"], ["--binary", ""]]) {
      const result = await install(...args);
      expect([args, result.code]).toEqual([args, 2]);
      expect(result.stderr).toContain("Usage: install.sh");
    }
  });

  test("installs the binary, a config from `config init` and the unit under a prefix", async () => {
    const prefix = prefixFor("fresh");
    const result = await install("--prefix", prefix, "--binary", binary);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const bin = `${prefix}/usr/local/bin/nexus`;
    expect(readFileSync(bin, "utf8")).toBe(readFileSync(binary, "utf8"));
    expect(statSync(bin).mode & 0o777).toBe(0o755);
    expect(readFileSync(`${prefix}/etc/nexus/nexus.toml`, "utf8")).toContain("fake nexus");
    expect(readFileSync(`${prefix}/etc/systemd/system/nexus.service`, "utf8")).toBe(UNIT);
    expect(result.stdout).toContain("skipped creating system user nexus");
    expect(result.stdout).toContain("not starting anything under --prefix");
  });

  test("gives the same result and exit 0 when run twice", async () => {
    const prefix = prefixFor("twice");
    expect((await install("--prefix", prefix, "--binary", binary)).code).toBe(0);
    const first = snapshot(prefix);
    const again = await install("--prefix", prefix, "--binary", binary);
    expect(again.code).toBe(0);
    expect(snapshot(prefix)).toEqual(first);
    expect(again.stdout).toContain("is already nexus 0.0.1-fake");
    expect(again.stdout).toContain("is up to date");
  });

  test("never overwrites an existing config, also when upgrading the binary", async () => {
    const prefix = prefixFor("upgrade");
    expect((await install("--prefix", prefix, "--binary", binary)).code).toBe(0);
    const config = `${prefix}/etc/nexus/nexus.toml`;
    writeFileSync(config, "# edited by the user\n");
    const newer = fakeBinary(work, "0.0.2-fake");
    const result = await install("--prefix", prefix, "--binary", newer);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`kept the existing config ${config}`);
    expect(readFileSync(config, "utf8")).toBe("# edited by the user\n");
    expect((await runCommand(`${prefix}/usr/local/bin/nexus`, ["--version"])).stdout).toBe(
      "nexus 0.0.2-fake\n",
    );
  });

  test("finds this machine's nexus-<os>-<arch> next to it, as in a downloaded release", async () => {
    const release = join(work, "release");
    mkdirSync(release);
    for (const file of ["install.sh", "nexus.service"]) {
      copyFileSync(`${ROOT_DIR}scripts/${file}`, join(release, file));
    }
    chmodSync(join(release, "install.sh"), 0o755);
    copyFileSync(binary, join(release, `nexus-${process.platform}-${process.arch}`));
    chmodSync(join(release, `nexus-${process.platform}-${process.arch}`), 0o755);
    const prefix = prefixFor("from-release");
    const result = await runCommand(join(release, "install.sh"), ["--prefix", prefix], {
      cwd: work,
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(readFileSync(`${prefix}/usr/local/bin/nexus`, "utf8")).toBe(
      readFileSync(binary, "utf8"),
    );
    expect(readFileSync(`${prefix}/etc/systemd/system/nexus.service`, "utf8")).toBe(UNIT);
  });

  test("skips the unit with --no-systemd", async () => {
    const prefix = prefixFor("no-systemd");
    const result = await install("--prefix", prefix, "--binary", binary, "--no-systemd");
    expect(result.code).toBe(0);
    expect(existsSync(`${prefix}/usr/local/bin/nexus`)).toBe(true);
    expect(existsSync(`${prefix}/etc/systemd`)).toBe(false);
  });

  test("--uninstall removes binary and unit, keeps the config and says so, twice", async () => {
    const prefix = prefixFor("uninstall");
    expect((await install("--prefix", prefix, "--binary", binary)).code).toBe(0);
    const result = await install("--prefix", prefix, "--uninstall");
    expect(result.code).toBe(0);
    expect(existsSync(`${prefix}/usr/local/bin/nexus`)).toBe(false);
    expect(existsSync(`${prefix}/etc/systemd/system/nexus.service`)).toBe(false);
    expect(existsSync(`${prefix}/etc/nexus/nexus.toml`)).toBe(true);
    expect(result.stdout).toContain(`kept the config ${prefix}/etc/nexus/nexus.toml`);
    const again = await install("--prefix", prefix, "--uninstall");
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("already removed");
  });

  test("exits 1 naming the problem when the binary is missing or not executable", async () => {
    const missing = await install("--prefix", prefixFor("missing"), "--binary", `${work}/nope`);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`binary not found: ${work}/nope`);
    const plain = join(work, "plain-file");
    writeFileSync(plain, "not a program");
    const notExecutable = await install("--prefix", prefixFor("plain"), "--binary", plain);
    expect(notExecutable.code).toBe(1);
    expect(notExecutable.stderr).toContain("binary is not executable");
  });

  needs(tool("shellcheck", "shellcheck")).test("is shellcheck-clean", async () => {
    const result = await runCommand("shellcheck", [INSTALL]);
    expect(result.stdout).toBe("");
    expect(result.code).toBe(0);
  });

  // One 100 MB compile per `npm test` is enough: the Deno run would only repeat the same build.
  const bunOnly = "Bun" in globalThis
    ? gate({ mode: "run" })
    : gate({ mode: "skip", reason: "Bun only, the Deno run would repeat the same build" });
  bunOnly.test(
    "installs a really compiled binary (npm run build) whose config init writes the template",
    async () => {
      const outfile = join(work, "compiled", "nexus");
      const build = await runCommand("npm", [
        "run",
        "--silent",
        "build",
        "--",
        "--outfile",
        outfile,
      ]);
      expect(build.code).toBe(0);
      const head = readFileSync(outfile).subarray(0, 4096);
      expect(detectExecutable(head)?.arch).toBe(process.arch as ReleaseArch);
      const prefix = prefixFor("compiled");
      const result = await install("--prefix", prefix, "--binary", outfile);
      expect(result.stdout).toContain(`installed ${prefix}/usr/local/bin/nexus (nexus ${VERSION})`);
      expect(result.code).toBe(0);
      const config = readFileSync(`${prefix}/etc/nexus/nexus.toml`, "utf8");
      expect(config).toBe(readFileSync(`${ROOT_DIR}nexus.example.toml`, "utf8"));
    },
    120_000,
  );
});

/**
 * Installing into / for real (user creation, config ownership) without touching this machine:
 * a private mount namespace with overlays on /etc and /usr/local and an empty /run (so
 * systemctl is never called), all thrown away when the shell exits. Needs root, as CI has.
 */
describe("scripts/install.sh into / (private mount namespace)", () => {
  needs(root("mount namespaces"), tool("unshare", "util-linux")).test(
    "creates the nexus user, a root:nexus 0640 config, and uninstalls cleanly",
    async () => {
      const work = tempDir("install-root");
      const binary = fakeBinary(work);
      const script = `set -e
for d in etc usr/local; do
  mkdir -p "${work}/up/$d" "${work}/work/$d"
  mount -t overlay overlay -o "lowerdir=/$d,upperdir=${work}/up/$d,workdir=${work}/work/$d" "/$d"
done
mount -t tmpfs tmpfs /run
"${INSTALL}" --binary "${binary}"
echo "== second run"
"${INSTALL}" --binary "${binary}"
echo "== state"
getent passwd nexus | cut -d: -f1,6,7
stat -c '%a %U:%G %n' /etc/nexus/nexus.toml /usr/local/bin/nexus /etc/systemd/system/nexus.service
echo "== uninstall"
"${INSTALL}" --uninstall
ls /usr/local/bin/nexus /etc/systemd/system/nexus.service 2>&1 || true
`;
      const result = await runCommand("unshare", [
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        script,
      ]);
      rmSync(work, { recursive: true, force: true });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const [first, second, state, uninstall] = result.stdout.split(/^== .*$/m);
      expect(first).toMatch(/created system user nexus|system user nexus exists/);
      expect(first).toContain("systemd is not running here");
      expect(second).toContain("system user nexus exists");
      expect(second).toContain("kept the existing config /etc/nexus/nexus.toml");
      expect(state).toContain("nexus:/nonexistent:/usr/sbin/nologin");
      expect(state).toContain("640 root:nexus /etc/nexus/nexus.toml");
      expect(state).toContain("755 root:root /usr/local/bin/nexus");
      expect(state).toContain("644 root:root /etc/systemd/system/nexus.service");
      expect(uninstall).toContain("kept the config /etc/nexus/nexus.toml");
      expect(uninstall).toContain("kept the system user nexus");
      expect(uninstall.match(/No such file/g)).toHaveLength(2);
    },
    60_000,
  );
});
