import { describe, expect, test } from "bun:test";
import { anthropicDialect } from "../../../src/dialects/mod.ts";
import { failure, type FailureKind } from "../../../src/lib/failures.ts";

async function render(kind: FailureKind, extra: Parameters<typeof failure>[2] = {}) {
  const response = anthropicDialect.errorResponse(
    failure(kind, "what went wrong", extra),
    new Headers({ "x-request-id": "req-1" }),
  );
  return { status: response.status, headers: response.headers, body: await response.json() };
}

const decoder = new TextDecoder();

describe("anthropicDialect.errorResponse()", () => {
  const rows: Array<[FailureKind, number, string]> = [
    ["invalid_request", 400, "invalid_request_error"],
    ["model_not_found", 404, "not_found_error"],
    ["body_too_large", 413, "request_too_large"],
    ["unauthorized", 401, "authentication_error"],
    ["forbidden", 403, "permission_error"],
    ["upstream_failed", 502, "api_error"],
    ["upstream_timeout", 504, "api_error"],
    ["no_capable_backend", 503, "overloaded_error"],
    ["queue_full", 529, "overloaded_error"],
    ["queue_timeout", 529, "overloaded_error"],
    ["internal", 500, "api_error"],
  ];
  for (const [kind, status, type] of rows) {
    test(`${kind} is ${status} ${type} in Anthropic's envelope`, async () => {
      const answer = await render(kind);
      expect(answer.status).toBe(status);
      expect(answer.body).toEqual({ type: "error", error: { type, message: "what went wrong" } });
      expect(answer.headers.get("content-type")).toBe("application/json");
      expect(answer.headers.get("request-id")).toBe("req-1");
    });
  }

  test("a backend's refusal keeps its status and takes the type Anthropic gives it", async () => {
    expect((await render("upstream_rejected", { status: 401 })).body.error.type)
      .toBe("authentication_error");
    expect((await render("upstream_rejected", { status: 404 })).body.error.type)
      .toBe("not_found_error");
    const limited = await render("upstream_rejected", { status: 429 });
    expect([limited.status, limited.body.error.type]).toEqual([429, "rate_limit_error"]);
    expect((await render("upstream_rejected", { status: 422 })).body.error.type)
      .toBe("invalid_request_error");
  });

  test("Retry-After and a 503's routing context come along", async () => {
    const answer = await render("no_capable_backend", {
      retryAfter: "7",
      context: { model: "m" },
    });
    expect(answer.headers.get("retry-after")).toBe("7");
    expect(answer.body.error.context).toEqual({ model: "m" });
  });
});

describe("anthropicDialect streams", () => {
  test("keeps a quiet stream open with ping events, a note in an SSE comment", () => {
    expect(decoder.decode(anthropicDialect.keepAlive("m"))).toBe(
      'event: ping\ndata: {"type":"ping"}\n\n',
    );
    expect(decoder.decode(anthropicDialect.keepAlive("m", "queued position=2"))).toBe(
      ': queued position=2\nevent: ping\ndata: {"type":"ping"}\n\n',
    );
  });

  test("ends a stream with one error event, after finishing a half-written line", () => {
    const text = anthropicDialect.inStreamError(failure("upstream_timeout", "too slow"), {
      last: "x".charCodeAt(0),
      beforeLast: "x".charCodeAt(0),
    });
    expect(text).toBe(
      '\n\nevent: error\ndata: {"type":"error","error":{"type":"api_error","message":"too slow"}}\n\n',
    );
    expect(anthropicDialect.streamContentType).toBe("text/event-stream");
  });
});
