import { describe, expect, test } from "bun:test";
import { upstreamHeaders } from "../../../src/proxy/upstream.ts";
import { Registry } from "../../../src/registry/mod.ts";

function backend(forward_client_auth = false) {
  return new Registry().add({
    name: "box",
    url: "http://box.test:8000",
    type: "generic",
    priority: 50,
    source: "static",
    forward_client_auth,
  });
}

const client = new Headers({
  authorization: "Bearer client-key",
  "x-api-key": "sk-ant-client",
  "anthropic-version": "2023-06-01",
  "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14",
  cookie: "session=1",
});

describe("upstreamHeaders()", () => {
  test("a native Anthropic backend gets anthropic-version and anthropic-beta, never the client's keys", () => {
    const headers = new Headers(upstreamHeaders({
      backend: backend(),
      clientHeaders: client,
      requestId: "r1",
      apiKey: undefined,
      upstream: "anthropic",
    }));
    expect(headers.get("anthropic-version")).toBe("2023-06-01");
    expect(headers.get("anthropic-beta")).toBe(client.get("anthropic-beta"));
    expect(headers.get("x-api-key")).toBeNull();
    expect(headers.get("authorization")).toBeNull();
    expect(headers.get("cookie")).toBeNull();
  });

  test("a translated request carries no Anthropic header", () => {
    const headers = new Headers(upstreamHeaders({
      backend: backend(),
      clientHeaders: client,
      requestId: "r1",
      apiKey: "backend-key",
      upstream: "openai",
    }));
    expect(headers.get("anthropic-version")).toBeNull();
    expect(headers.get("anthropic-beta")).toBeNull();
    expect(headers.get("x-api-key")).toBeNull();
    expect(headers.get("authorization")).toBe("Bearer backend-key");
  });

  test("forward_client_auth passes x-api-key on only to a native Anthropic backend", () => {
    const forwarded = (upstream: "anthropic" | "openai") =>
      new Headers(upstreamHeaders({
        backend: backend(true),
        clientHeaders: client,
        requestId: "r1",
        apiKey: undefined,
        upstream,
      }));
    expect(forwarded("anthropic").get("x-api-key")).toBe("sk-ant-client");
    expect(forwarded("openai").get("x-api-key")).toBeNull();
    expect(forwarded("openai").get("authorization")).toBe("Bearer client-key");
  });
});
