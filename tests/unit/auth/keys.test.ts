import { describe, expect, test } from "bun:test";
import {
  AuthThrottle,
  formatDuration,
  generateKey,
  hashKey,
  KeyStore,
  modelMatcher,
  parseKeysFile,
  presentedTokens,
  rateLimitHeaders,
  sameHash,
} from "../../../src/auth/mod.ts";
import { Logger } from "../../../src/lib/logger.ts";
import { memoryFiles } from "../../../src/state/mod.ts";
import { FakeClock } from "../../helpers/fake-clock.ts";

const quiet = (lines: string[] = []) =>
  new Logger({ level: "debug", format: "json", write: (line) => lines.push(line) });

describe("keys", () => {
  test("are nx- and 192 random bits in base64url, each different", () => {
    const keys = new Set(Array.from({ length: 1000 }, generateKey));
    expect(keys.size).toBe(1000);
    for (const key of keys) expect(key).toMatch(/^nx-[A-Za-z0-9_-]{32}$/);
  });

  test("are stored as sha256:<hex>, compared in constant time", () => {
    const key = generateKey();
    expect(hashKey(key)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(sameHash(hashKey(key), hashKey(key))).toBe(true);
    expect(sameHash(hashKey(key), hashKey(key + "x"))).toBe(false);
    expect(sameHash("sha256:ab", hashKey(key))).toBe(false);
  });
});

describe("presentedTokens()", () => {
  test("reads Authorization: Bearer and x-api-key, in that order", () => {
    const headers = new Headers({ authorization: "Bearer  nx-a ", "x-api-key": "nx-b" });
    expect(presentedTokens(headers)).toEqual(["nx-a", "nx-b"]);
    expect(presentedTokens(new Headers({ authorization: "bearer nx-c" }))).toEqual(["nx-c"]);
    expect(presentedTokens(new Headers({ authorization: "Basic dXNlcjpwYXNz" }))).toEqual([]);
    expect(presentedTokens(new Headers())).toEqual([]);
  });
});

describe("modelMatcher()", () => {
  test("matches names and * globs literally otherwise; null allows everything", () => {
    const allows = modelMatcher(["llama3*", "qwen2.5-coder:32b", "*:7b"]);
    expect(allows("llama3:70b")).toBe(true);
    expect(allows("qwen2.5-coder:32b")).toBe(true);
    expect(allows("mistral:7b")).toBe(true);
    expect(allows("qwen2.5-coder:14b")).toBe(false);
    expect(allows("qwen2x5-coder:32b")).toBe(false);
    expect(modelMatcher(null)("anything")).toBe(true);
    expect(modelMatcher([])("anything")).toBe(false);
  });
});

describe("rateLimitHeaders()", () => {
  test("OpenAI's names, only for the limits a key has, reset as a duration", () => {
    expect(rateLimitHeaders({
      ok: true,
      retryAfterMs: 0,
      requests: { limit: 60, remaining: 59, resetMs: 1000 },
    })).toEqual({
      "x-ratelimit-limit-requests": "60",
      "x-ratelimit-remaining-requests": "59",
      "x-ratelimit-reset-requests": "1s",
    });
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(250)).toBe("250ms");
    expect(formatDuration(1500)).toBe("1.5s");
    expect(formatDuration(360_000)).toBe("6m0s");
    expect(formatDuration(61_250)).toBe("1m1.25s");
  });
});

describe("KeyStore", () => {
  test("keeps hashes only, in a 0600 file written whole; revoked keys stay as records", async () => {
    const files = new Map<string, string>();
    const writes: Array<{ path: string; mode: number | undefined }> = [];
    const base = memoryFiles(files);
    const store = new KeyStore({
      path: "/k/keys.json",
      files: {
        ...base,
        writeFileAtomic(path, text, options) {
          writes.push({ path, mode: options?.mode });
          return base.writeFileAtomic(path, text, options);
        },
      },
      clock: new FakeClock(),
      logger: quiet(),
    });
    const { key, record } = await store.create({ name: "alice", rpm: 10, models: ["llama*"] });
    expect(writes).toEqual([{ path: "/k/keys.json", mode: 0o600 }]);
    expect(files.get("/k/keys.json")).not.toContain(key);
    expect(record).toMatchObject({ name: "alice", rpm: 10, tpm: null, enabled: true });
    expect(store.ring.verify(key, Date.now())?.record.name).toBe("alice");
    await expect(store.create({ name: "alice" })).rejects.toThrow("exists already");
    const revoked = await store.revoke("alice");
    expect(revoked.enabled).toBe(false);
    expect(revoked.updated_at > record.updated_at).toBe(true);
    expect(store.ring.verify(key, Date.now())).toBeUndefined();
    const reread = parseKeysFile(files.get("/k/keys.json")!);
    expect(reread).toEqual([revoked]);
    // The name may be used again: a new key, a newer record.
    const again = await store.create({ name: "alice" });
    expect(again.key).not.toBe(key);
    expect(store.ring.verify(again.key, Date.now())?.record.name).toBe("alice");
  });

  test("refuses to start on a broken keys file, naming it and what is wrong", async () => {
    const store = new KeyStore({
      path: "/k/keys.json",
      files: memoryFiles(new Map([["/k/keys.json", '{"version":1,"keys":[{"name":"x"}]}']])),
      clock: new FakeClock(),
      logger: quiet(),
    });
    await expect(store.load()).rejects.toThrow(
      "The keys file /k/keys.json ([auth] keys_file) is not valid: keys[0]: hash: expected sha256:<64 hex digits>",
    );
  });

  test("an expired key is refused like an unknown one", async () => {
    const clock = new FakeClock();
    const store = new KeyStore({
      path: "/k.json",
      files: memoryFiles(),
      clock,
      logger: quiet(),
    });
    const { key } = await store.create({
      name: "temp",
      expires_at: new Date(clock.now() + 1000).toISOString(),
    });
    expect(store.ring.verify(key, clock.now())).toBeDefined();
    expect(store.ring.verify(key, clock.now() + 1000)).toBeUndefined();
  });
});

describe("AuthThrottle", () => {
  test("N failures a minute, then a wait; one warning a minute per address", () => {
    const clock = new FakeClock();
    const lines: string[] = [];
    const throttle = new AuthThrottle(clock, quiet(lines), 3);
    for (let i = 0; i < 3; i++) {
      expect(throttle.waitMs("10.0.0.9")).toBe(0);
      throttle.failed("10.0.0.9");
    }
    expect(throttle.waitMs("10.0.0.9")).toBe(20_000);
    expect(throttle.waitMs("10.0.0.10")).toBe(0);
    clock.advance(20_000);
    expect(throttle.waitMs("10.0.0.9")).toBe(0);
    expect(lines.filter((l) => l.includes("authentication failed")).length).toBe(1);
    clock.advance(60_000);
    throttle.failed("10.0.0.9");
    expect(lines.filter((l) => l.includes("authentication failed")).length).toBe(2);
    expect(lines[1]).toContain('"failures":3'); // the two held back, and this one
  });
});
