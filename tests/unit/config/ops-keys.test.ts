/**
 * The config keys of issue 22: `[[backends]] wake` and `prefer_wake`, `[health_check] breaker_*`,
 * `[server] watch_config` and `state_file` — defaults, normalisation, and errors that name the
 * key and value; and where the state file goes.
 */
import { describe, expect, test } from "bun:test";
import {
  ConfigError,
  stateFilePath,
  validateConfig,
  writablePath,
} from "../../../src/config/mod.ts";

function errorsOf(input: Record<string, unknown>): string[] {
  try {
    validateConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
  return [];
}

describe("wake settings", () => {
  test("broadcast, port and timeout are defaulted; the MAC is kept lower-case with colons", () => {
    const { config } = validateConfig({
      backends: [{ url: "http://gpu:11434", wake: { mac: "AA-BB-CC-DD-EE-0F" } }],
    });
    expect(config.backends[0]!.wake).toEqual({
      mac: "aa:bb:cc:dd:ee:0f",
      broadcast: "255.255.255.255",
      port: 9,
      timeout_seconds: 180,
    });
    expect(config.backends[0]!.prefer_wake).toBe(false);
  });

  test("a bad MAC, a bad broadcast address, prefer_wake without wake: each named", () => {
    expect(errorsOf({ backends: [{ url: "http://a:1", wake: { mac: "aa:bb:cc" } }] })).toEqual([
      'backends[0].wake.mac: must be a MAC address like "aa:bb:cc:dd:ee:ff", got "aa:bb:cc" (from default)',
    ]);
    expect(
      errorsOf({
        backends: [{ url: "http://a:1", wake: { mac: "aa:bb:cc:dd:ee:ff", broadcast: "lan" } }],
      }),
    ).toEqual([
      'backends[0].wake.broadcast: must be an IPv4 address like "192.168.1.255", got "lan" (from default)',
    ]);
    expect(errorsOf({ backends: [{ url: "http://a:1", prefer_wake: true }] })).toEqual([
      'backends[0].prefer_wake: needs wake = { mac = "aa:bb:cc:dd:ee:ff" } on the same backend, got true (from default)',
    ]);
  });
});

describe("breaker and server settings", () => {
  test("defaults: 5 of 10, 30 s; watch_config on; no state_file", () => {
    const { config } = validateConfig({});
    expect(config.health_check.breaker_failures).toBe(5);
    expect(config.health_check.breaker_window).toBe(10);
    expect(config.health_check.breaker_cooldown_seconds).toBe(30);
    expect(config.server.watch_config).toBe(true);
    expect(config.server.state_file).toBeUndefined();
  });

  test("breaker_failures above breaker_window is an error; 0 is off", () => {
    expect(errorsOf({ health_check: { breaker_failures: 11 } })).toEqual([
      "health_check.breaker_failures: must be <= breaker_window (10), got 11 (from default)",
    ]);
    expect(errorsOf({ health_check: { breaker_failures: 0 } })).toEqual([]);
  });
});

describe("stateFilePath()", () => {
  test("beside the config; a relative state_file too; an absolute one as it is", () => {
    expect(stateFilePath("/etc/nexus/nexus.toml", undefined, {})).toBe(
      "/etc/nexus/nexus.state.json",
    );
    expect(stateFilePath("/etc/nexus/nexus.toml", "state/x.json", {})).toBe(
      "/etc/nexus/state/x.json",
    );
    expect(stateFilePath("nexus.toml", "/var/lib/nexus/s.json", {})).toBe("/var/lib/nexus/s.json");
  });

  test("without a config file: $XDG_STATE_HOME/nexus, else ~/.local/state/nexus", () => {
    expect(stateFilePath(undefined, undefined, { XDG_STATE_HOME: "/s", HOME: "/h" })).toBe(
      "/s/nexus/nexus.state.json",
    );
    expect(stateFilePath(undefined, undefined, { HOME: "/h" })).toBe(
      "/h/.local/state/nexus/nexus.state.json",
    );
    expect(stateFilePath(undefined, undefined, {})).toBe("nexus.state.json");
  });
});

describe("writablePath(): under systemd, files Nexus writes live in its state directory", () => {
  const systemd = { STATE_DIRECTORY: "/var/lib/nexus" };

  test("a relative keys file or state file goes to $STATE_DIRECTORY, not beside /etc's config", () => {
    expect(writablePath("/etc/nexus/nexus.toml", "nexus-keys.json", systemd)).toBe(
      "/var/lib/nexus/nexus-keys.json",
    );
    expect(stateFilePath("/etc/nexus/nexus.toml", undefined, systemd)).toBe(
      "/var/lib/nexus/nexus.state.json",
    );
    expect(stateFilePath(undefined, undefined, { ...systemd, HOME: "/h" })).toBe(
      "/var/lib/nexus/nexus.state.json",
    );
    // systemd lists several directories with ":"; a trailing slash is not doubled.
    expect(writablePath(undefined, "k.json", { STATE_DIRECTORY: "/a/:/b" })).toBe("/a/k.json");
  });

  test("an absolute path wins; without a state directory, beside the config", () => {
    expect(writablePath("/etc/nexus/nexus.toml", "/srv/keys.json", systemd)).toBe("/srv/keys.json");
    expect(writablePath("/etc/nexus/nexus.toml", "nexus-keys.json", {})).toBe(
      "/etc/nexus/nexus-keys.json",
    );
    expect(writablePath(undefined, "nexus-keys.json", { STATE_DIRECTORY: "" })).toBe(
      "nexus-keys.json",
    );
  });
});
