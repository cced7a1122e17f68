/** The config file watch: a burst of changes is one reload, after the file is quiet. */
import { describe, expect, test } from "bun:test";
import { Logger, silentLogger } from "../../../src/lib/logger.ts";
import { ConfigWatch, DEBOUNCE_MS } from "../../../src/reload/mod.ts";
import { FakeClock } from "../../helpers/fake-clock.ts";
import { createFakeRuntime } from "../../helpers/fake-runtime.ts";

describe("ConfigWatch", () => {
  test("three changes in a row, one reload once the file is quiet; none after stop", () => {
    const runtime = createFakeRuntime({ files: { "/etc/nexus/nexus.toml": "" } });
    const clock = new FakeClock();
    let reloads = 0;
    const watch = new ConfigWatch({
      path: "/etc/nexus/nexus.toml",
      watchFile: runtime.watchFile,
      clock,
      logger: silentLogger,
      reload: () => reloads++,
    });
    watch.start();
    for (let i = 0; i < 3; i++) {
      runtime.emitFileChange("/etc/nexus/nexus.toml");
      clock.advance(DEBOUNCE_MS / 2);
    }
    expect(reloads).toBe(0);
    clock.advance(DEBOUNCE_MS);
    expect(reloads).toBe(1);
    watch.stop();
    runtime.emitFileChange("/etc/nexus/nexus.toml");
    clock.advance(DEBOUNCE_MS * 2);
    expect(reloads).toBe(1);
  });

  test("a file that cannot be watched: one warning, no crash", () => {
    const warnings: string[] = [];
    const watch = new ConfigWatch({
      path: "/nope/nexus.toml",
      watchFile: () => {
        throw new Error("no such directory");
      },
      clock: new FakeClock(),
      logger: new Logger({
        level: "warn",
        format: "json",
        write: (line) => warnings.push(JSON.parse(line).message),
      }),
      reload: () => {},
    });
    watch.start();
    expect(watch.watching).toBe(false);
    expect(warnings).toEqual(["cannot watch the config file; reload with SIGHUP or nexus reload"]);
  });
});
