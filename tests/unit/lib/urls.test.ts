import { describe, expect, test } from "bun:test";
import { endsWithV1, isHttpUrl, V1_HINT, withoutV1, withV1Hint } from "../../../src/lib/urls.ts";

describe("a backend URL ending in /v1", () => {
  test("is recognised with or without a trailing slash, behind a path prefix too", () => {
    for (const url of ["http://h:8000/v1", "http://h:8000/v1/", "https://h/llm/v1"]) {
      expect(endsWithV1(url)).toBe(true);
    }
    for (const url of ["http://h:8000", "http://h:8000/", "http://h/v1beta", "http://v1", "nope"]) {
      expect(endsWithV1(url)).toBe(false);
    }
  });

  test("loses exactly the /v1", () => {
    expect(withoutV1("http://h:8000/v1")).toBe("http://h:8000");
    expect(withoutV1("http://h:8000/v1//")).toBe("http://h:8000");
    expect(withoutV1("https://h/llm/v1")).toBe("https://h/llm");
    expect(withoutV1("http://h:8000")).toBe("http://h:8000");
  });

  test("a failure reason leads with the hint only for such a URL", () => {
    expect(withV1Hint("HTTP 404 from /api/tags", "http://h:11434/v1")).toBe(
      `${V1_HINT} (HTTP 404 from /api/tags)`,
    );
    expect(withV1Hint("connection refused", "http://h:11434")).toBe("connection refused");
  });
});

test("isHttpUrl accepts http and https with a host only", () => {
  expect(isHttpUrl("http://127.0.0.1:8000")).toBe(true);
  expect(isHttpUrl("https://gpu.lan")).toBe(true);
  for (const url of ["gpu-box:8000", "ftp://h", "http://", "127.0.0.1:8000", ""]) {
    expect(isHttpUrl(url)).toBe(false);
  }
});
