/**
 * The runtime's file operations and its broadcast datagram, for real (Bun and Deno run the same
 * file): atomic writes with a mode, rename, stat, a directory watch that survives an editor's
 * rename-over save, and one UDP datagram to loopback's broadcast address (127.255.255.255, so
 * nothing reaches a real network).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { createSocket } from "node:dgram";
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadRuntime, RuntimeFileError } from "../../src/runtime/mod.ts";
import { waitFor } from "../helpers/mock-backend.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { randomMdnsPort } from "../helpers/udp-port.ts";

const dir = tempDir("files");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("runtime files", () => {
  test("writeFileAtomic replaces the file whole, with the mode asked for", async () => {
    const runtime = await loadRuntime();
    const path = join(dir, "state.json");
    await runtime.writeFileAtomic(path, "first");
    await runtime.writeFileAtomic(path, "second", { mode: 0o600 });
    expect(readFileSync(path, "utf8")).toBe("second");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect((await runtime.fileInfo(path)).mode).toBe(0o600);
    // No temporary file is left beside it.
    const { readdirSync } = await import("node:fs");
    expect(readdirSync(dir).filter((name) => name.startsWith("state.json"))).toEqual([
      "state.json",
    ]);
  });

  test("renameFile moves a file; a missing one is not_found", async () => {
    const runtime = await loadRuntime();
    const from = join(dir, "a.txt");
    writeFileSync(from, "x");
    await runtime.renameFile(from, join(dir, "b.txt"));
    expect(readFileSync(join(dir, "b.txt"), "utf8")).toBe("x");
    const error = await runtime.renameFile(from, join(dir, "c.txt")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeFileError);
    expect((error as RuntimeFileError).kind).toBe("not_found");
  });

  test("readTextFile: UTF-8 (a BOM dropped) read as is; other bytes are not_utf8, not U+FFFD", async () => {
    const runtime = await loadRuntime();
    const good = join(dir, "good.toml");
    writeFileSync(
      good,
      new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('name = "café �"\n')]),
    );
    expect(await runtime.readTextFile(good)).toBe('name = "café �"\n');
    const latin1 = join(dir, "latin1.toml");
    writeFileSync(
      latin1,
      new Uint8Array([...new TextEncoder().encode('name = "caf'), 0xe9, 0x22, 0x0a]),
    );
    const error = await runtime.readTextFile(latin1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeFileError);
    expect((error as RuntimeFileError).kind).toBe("not_utf8");
    expect((error as RuntimeFileError).message).toBe(`not valid UTF-8 text: ${latin1}`);
    const missing = await runtime.readTextFile(join(dir, "none.toml")).catch((e: unknown) => e);
    expect((missing as RuntimeFileError).kind).toBe("not_found");
  });

  test("makeDirectory creates parents and accepts an existing directory", async () => {
    const runtime = await loadRuntime();
    const nested = join(dir, "x", "y", "z");
    await runtime.makeDirectory(nested);
    await runtime.makeDirectory(nested);
    expect(statSync(nested).isDirectory()).toBe(true);
  });

  test("watchFile hears a write and an editor's rename-over save, not a neighbour", async () => {
    const runtime = await loadRuntime();
    const path = join(dir, "nexus.toml");
    writeFileSync(path, "a = 1\n");
    let changes = 0;
    const watch = runtime.watchFile(path, () => changes++);
    try {
      writeFileSync(join(dir, "other.txt"), "not it");
      writeFileSync(path, "a = 2\n");
      await waitFor(() => changes > 0, "the write");
      const afterWrite = changes;
      writeFileSync(join(dir, ".nexus.toml.swp"), "a = 3\n");
      renameSync(join(dir, ".nexus.toml.swp"), path);
      await waitFor(() => changes > afterWrite, "the rename");
    } finally {
      watch.close();
      watch.close();
    }
  });

  test("watchFile on a directory that does not exist throws RuntimeFileError", async () => {
    const runtime = await loadRuntime();
    expect(() => runtime.watchFile(join(dir, "missing", "nexus.toml"), () => {})).toThrow(
      RuntimeFileError,
    );
  });
});

describe("runtime.sendBroadcast()", () => {
  test("one datagram reaches a listener on loopback's broadcast address", async () => {
    const runtime = await loadRuntime();
    const port = randomMdnsPort();
    const heard: Uint8Array[] = [];
    const listener = createSocket({ type: "udp4", reuseAddr: true });
    await new Promise<void>((resolve) => listener.bind(port, "0.0.0.0", resolve));
    listener.on("message", (message: Uint8Array) => heard.push(new Uint8Array(message)));
    try {
      await runtime.sendBroadcast(new Uint8Array([1, 2, 3]), "127.255.255.255", port);
      await waitFor(() => heard.length > 0, "the datagram");
      expect([...heard[0]!]).toEqual([1, 2, 3]);
    } finally {
      listener.close();
    }
  });

  test("an address that is not IPv4 rejects with the reason", async () => {
    const runtime = await loadRuntime();
    const error = await runtime.sendBroadcast(new Uint8Array([1]), "not-an-address.invalid", 9)
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
  });
});
