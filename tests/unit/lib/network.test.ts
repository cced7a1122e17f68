import { describe, expect, test } from "bun:test";
import { networkErrorReason } from "../../../src/lib/network.ts";

describe("networkErrorReason()", () => {
  test("words a refused connection the same on every runtime", () => {
    const bun = Object.assign(
      new Error("Unable to connect. Is the computer able to access the url?"),
      { code: "ConnectionRefused" },
    );
    const deno = new TypeError("fetch failed", {
      cause: new Error("tcp connect error: Connection refused (os error 111)"),
    });
    const node = new TypeError("fetch failed", {
      cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
    });
    for (const error of [bun, deno, node]) {
      expect(networkErrorReason(error)).toBe("connection refused");
    }
  });

  test("recognises resets, unknown hosts and timeouts", () => {
    expect(networkErrorReason(Object.assign(new Error("x"), { code: "ECONNRESET" }))).toBe(
      "connection reset",
    );
    expect(
      networkErrorReason(
        new TypeError("fetch failed", { cause: new Error("getaddrinfo ENOTFOUND nope") }),
      ),
    ).toBe("host not found");
    expect(networkErrorReason(new DOMException("The operation timed out.", "TimeoutError"))).toBe(
      "timed out",
    );
  });

  test("falls back to the messages of the error and its causes", () => {
    expect(networkErrorReason(new Error("odd", { cause: new Error("odder") }))).toBe("odd | odder");
    expect(networkErrorReason("plain")).toBe("plain");
  });
});
