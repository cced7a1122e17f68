/** Secrets in text (src/lib/secrets.ts): redaction, the client's credentials, Bearer parsing. */
import { describe, expect, test } from "bun:test";
import { bearerToken, clientCredentials, Redactor } from "../../../src/lib/secrets.ts";

describe("Redactor", () => {
  test("replaces every configured secret, longest first; short values are not secrets", () => {
    const redactor = new Redactor(["sk-abcdefgh", "sk-abcdefgh-longer", undefined, "short"]);
    expect(redactor.redact("a sk-abcdefgh-longer b sk-abcdefgh c short")).toBe(
      "a [redacted] b [redacted] c short",
    );
    expect(redactor.holdsSecret("nothing here")).toBe(false);
    expect(redactor.holdsSecret("key=sk-abcdefgh")).toBe(true);
  });

  test("with() adds a request's own credentials", () => {
    const base = new Redactor(["configured-secret"]);
    const request = base.with(
      clientCredentials(new Headers({ authorization: "Bearer client-key-123" })),
    );
    expect(request.redact("configured-secret client-key-123")).toBe("[redacted] [redacted]");
    expect(base.redact("client-key-123")).toBe("client-key-123");
  });
});

describe("credentials", () => {
  test("the Authorization value with and without its scheme, and API-key headers", () => {
    const found = clientCredentials(
      new Headers({ authorization: "Bearer tok-1", "x-api-key": "tok-2", "api-key": "tok-3" }),
    );
    expect(found).toEqual(["Bearer tok-1", "tok-1", "tok-2", "tok-3"]);
  });

  test("bearerToken accepts the scheme in any case, nothing else", () => {
    expect(bearerToken("Bearer abc")).toBe("abc");
    expect(bearerToken("bearer abc")).toBe("abc");
    expect(bearerToken("  BEARER   abc  ")).toBe("abc");
    expect(bearerToken("Basic abc")).toBeUndefined();
    expect(bearerToken("Bearer")).toBeUndefined();
    expect(bearerToken("Bearer a b")).toBeUndefined();
    expect(bearerToken(null)).toBeUndefined();
  });
});
