/**
 * An error no step of the exchange expected (src/exchange/exchange.ts): it is answered where it
 * happens, through `unhandled` (the API's logged 500), and the request still ends — the drain's
 * count, the body budget and the backend's slot do not keep it.
 */
import { describe, expect, test } from "bun:test";
import { chatEndpoint, type Endpoint } from "../../../src/dialects/mod.ts";
import { exchangeFixture } from "../../helpers/exchange-fixture.ts";

/** The chat door with a planning step that fails as a bug would. */
const broken: Endpoint = {
  ...chatEndpoint,
  plan() {
    throw new TypeError("a bug in planning");
  },
};
const body = { model: "m", messages: [{ role: "user", content: "hi" }] };

describe("an unexpected error in the exchange", () => {
  test("is answered by `unhandled`, and the request ends", async () => {
    const seen: unknown[] = [];
    const fixture = exchangeFixture({
      backends: ["a"],
      endpoint: broken,
      unhandled: (error, request) => {
        seen.push(error, new URL(request.url).pathname);
        return new Response("internal", { status: 500 });
      },
    });
    const response = await fixture.send(body);
    expect(response.status).toBe(500);
    expect(await response.text()).toBe("internal");
    expect(seen[0]).toBeInstanceOf(TypeError);
    expect(seen[1]).toBe("/v1/chat/completions");
    expect(fixture.inflight.count).toBe(0);
    // The slot granted before planning threw is back: the backend is not held busy for good.
    expect(fixture.registry.get("a")!.pending).toBe(0);
    // …and no deadline of the request is left armed.
    expect(fixture.clock.pending).toBe(0);
  });

  test("without `unhandled`, rejects the request's promise, and the request still ends", async () => {
    const fixture = exchangeFixture({ backends: ["a"], endpoint: broken });
    await expect(fixture.send(body)).rejects.toThrow("a bug in planning");
    expect(fixture.inflight.count).toBe(0);
    expect(fixture.registry.get("a")!.pending).toBe(0);
  });
});
