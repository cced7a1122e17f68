/** The one failure table: every kind renders the same status and code in every dialect. */
import { describe, expect, test } from "bun:test";
import { openaiDialect } from "../../../src/dialects/mod.ts";
import {
  ERROR_TYPES,
  failure,
  type FailureKind,
  FAILURES,
  retryAfterOf,
  statusOf,
} from "../../../src/lib/failures.ts";

const KINDS = Object.keys(FAILURES) as FailureKind[];

/** OpenAI's error `type` for a status, as its own API sends them. */
function openaiType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 429) return "rate_limit_error";
  return status < 500 ? "invalid_request_error" : "server_error";
}

describe("FAILURES", () => {
  test("every row has an error status, a code and a known metric type", () => {
    for (const kind of KINDS) {
      const row = FAILURES[kind];
      expect(row.status).toBeGreaterThanOrEqual(400);
      expect(row.code).toMatch(/^[a-z_]+$/);
      if (row.metric !== undefined) expect(ERROR_TYPES).toContain(row.metric);
    }
  });

  test("the OpenAI dialect answers each kind with the table's status and code", async () => {
    for (const kind of KINDS) {
      const response = openaiDialect.errorResponse(failure(kind, `about ${kind}`), new Headers());
      expect(response.status).toBe(FAILURES[kind].status);
      expect(response.headers.get("content-type")).toBe("application/json");
      const { error } = await response.json();
      expect(error).toMatchObject({ message: `about ${kind}`, code: FAILURES[kind].code });
      expect(error.type).toBe(openaiType(response.status));
    }
  });

  test("a backend's own status wins for a rejection it made", () => {
    expect(statusOf(failure("upstream_rejected", "x", { status: 422 }), "openai")).toBe(422);
  });

  test("Retry-After: the failure's own value, else the default only where the row asks", () => {
    expect(retryAfterOf(failure("no_capable_backend", "x"), "30")).toBe("30");
    expect(retryAfterOf(failure("upstream_unavailable", "x", { retryAfter: "9" }), "30")).toBe("9");
    expect(retryAfterOf(failure("upstream_failed", "x"), "30")).toBeUndefined();
  });

  test("a 503 carries Retry-After and the context stays inside the error object", async () => {
    const response = openaiDialect.errorResponse(
      failure("no_capable_backend", "busy", { retryAfter: "12", context: { why: 1 } }),
      new Headers({ "x-request-id": "r" }),
    );
    expect(response.headers.get("retry-after")).toBe("12");
    expect(response.headers.get("x-request-id")).toBe("r");
    expect((await response.json()).error.context).toEqual({ why: 1 });
  });
});
