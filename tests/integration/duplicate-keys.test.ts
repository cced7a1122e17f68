/**
 * A body with `model` (or `stream`) twice is refused with 400 naming the key (issue 14,
 * item 14): Nexus would route on the last one while a backend may read the first.
 */
import { describe, expect, test } from "bun:test";
import { validateConfig } from "../../src/config/mod.ts";
import { createGateway } from "../../src/gateway.ts";
import { silentLogger } from "../../src/lib/logger.ts";

describe("the exchange pipeline", () => {
  test("answers 400 naming the key", async () => {
    const { config } = validateConfig({ discovery: { enabled: false } });
    const gateway = createGateway({ config, env: {}, logger: silentLogger });
    const response = await gateway.fetch(
      new Request("http://127.0.0.1/v1/chat/completions", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"model":"a","messages":[],"model":"b"}',
      }),
      { remoteAddress: "127.0.0.1" },
    );
    expect(response.status).toBe(400);
    const { error } = await response.json();
    expect(error.param).toBe("model");
    expect(error.message).toContain('"model" more than once');
  });
});
