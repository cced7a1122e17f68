import { describe, expect, test } from "bun:test";
import { adapterFor } from "../../../src/backends/mod.ts";
import { requestText } from "../../../src/backends/http.ts";
import { BACKEND_TYPES } from "../../../src/config/mod.ts";
import { probeFake, type Reply } from "../../helpers/fake-backend-fetch.ts";

/** Starts a probe against a server answering every request with `reply`, then aborts it. */
async function probeAborted(type: (typeof BACKEND_TYPES)[number], reply: Reply) {
  const deadline = new AbortController();
  const running = probeFake(type, { "*": reply }, { signal: deadline.signal });
  await Promise.resolve();
  deadline.abort(new DOMException("The operation timed out.", "TimeoutError"));
  return running;
}

describe("every adapter", () => {
  test("has the documented default port", () => {
    const ports = Object.fromEntries(BACKEND_TYPES.map((t) => [t, adapterFor(t).defaultPort]));
    expect(ports).toEqual({
      ollama: 11434,
      vllm: 8000,
      llamacpp: 8080,
      lmstudio: 1234,
      exo: 52415,
      openai: 443,
      generic: 8000,
    });
  });

  test("adapterFor() rejects a type outside BackendType", () => {
    expect(() => adapterFor("tgi" as never)).toThrow(TypeError);
    expect(() => adapterFor("toString" as never)).toThrow(TypeError);
  });

  for (const type of BACKEND_TYPES) {
    describe(`${type}`, () => {
      test("gives up on a hung server when the signal aborts", async () => {
        const { result } = await probeAborted(type, "hang");
        expect(result).toEqual({ ok: false, reason: "timed out" });
      });

      test("gives up even when fetch ignores the signal", async () => {
        const { result } = await probeAborted(type, "stall");
        expect(result).toEqual({ ok: false, reason: "timed out" });
      });

      test("gives up on a body that never ends", async () => {
        const { result } = await probeAborted(type, "hang-body");
        expect(result).toEqual({ ok: false, reason: "timed out" });
      });

      test("passes the probe's signal to every request", async () => {
        const deadline = new AbortController();
        const { fake } = await probeFake(type, {}, { signal: deadline.signal });
        expect(fake.requests.length).toBeGreaterThan(0);
        expect(fake.requests.every((r) => r.signal === deadline.signal)).toBe(true);
      });

      test("says connection refused for Bun's error", async () => {
        const error = Object.assign(
          new TypeError("Unable to connect. Is the computer able to access the url?"),
          {
            code: "ECONNREFUSED",
          },
        );
        const { result } = await probeFake(type, { "*": error });
        expect(result).toEqual({ ok: false, reason: "connection refused" });
      });

      test("says connection refused for Deno's error", async () => {
        const cause = new Error(
          "error sending request for url (http://gpu-box.lan:8080/): client error (Connect): tcp connect error: Connection refused (os error 111)",
        );
        const { result } = await probeFake(type, { "*": new TypeError("fetch failed", { cause }) });
        expect(result).toEqual({ ok: false, reason: "connection refused" });
      });

      test("says host not found for a DNS failure", async () => {
        const error = Object.assign(new TypeError("getaddrinfo ENOTFOUND gpu-box.lan"), {
          code: "ENOTFOUND",
        });
        const { result } = await probeFake(type, { "*": error });
        expect(result).toEqual({ ok: false, reason: "host not found" });
      });

      test("reports an HTTP 500 from the server", async () => {
        const { result } = await probeFake(type, {
          "*": { status: 500, body: "Internal Server Error" },
        });
        expect(result.ok).toBe(false);
        expect(!result.ok && result.reason).toMatch(/^HTTP 500 from \/[\w/]+$/);
      });

      test("reports invalid JSON from a server answering 200 with garbage", async () => {
        const { result } = await probeFake(type, { "*": { body: "\u0000\uffff{not json" } });
        expect(result.ok).toBe(false);
        expect(!result.ok && result.reason).toMatch(/^invalid JSON from \/[\w/]+$/);
      });
    });
  }
});

describe("requestText()", () => {
  test("handles the rejection of a fetch it stopped waiting for before it began", async () => {
    // A fetch can start after the deadline passed (the last of several requests of a probe);
    // its rejection arriving later must be handled, or Deno ends the process.
    let handled = false;
    const rejected = Promise.reject(new RangeError("thrown by fetch"));
    const tracked = {
      then: (onOk: never, onError: (e: unknown) => void) => {
        handled = true;
        return rejected.then(onOk, onError);
      },
      catch: (onError: (e: unknown) => void) => tracked.then(undefined as never, onError),
    } as unknown as Promise<Response>;
    const deadline = new AbortController();
    deadline.abort(new DOMException("The operation timed out.", "TimeoutError"));
    const reply = await requestText(
      { baseUrl: "http://gpu.lan:8000", fetch: () => tracked, signal: deadline.signal },
      "/v1/models",
    );
    expect(reply).toEqual({ ok: false, reason: "timed out" });
    expect(handled).toBe(true);
    await rejected.catch(() => {});
  });
});
