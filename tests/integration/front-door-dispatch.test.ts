/**
 * The front doors' shortcut past Hono (src/api/app.ts `createApi`): a POST to a front door's
 * exact path goes straight to its pipeline; the forms the shortcut does not take (a query
 * string, a percent-encoded path, another method) still reach the same route through the app.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";

const body = JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] });

describe("front door dispatch", () => {
  let backend: MockBackend;
  let nexus: RunningGateway;
  beforeAll(async () => {
    backend = await startMockBackend({ models: [{ id: "m" }] });
    nexus = await startGateway([{ name: "box", url: backend.url, models: ["m"] }]);
  });
  afterAll(async () => {
    await nexus.close();
    await backend.close();
  });

  const post = (path: string, init: RequestInit = {}) =>
    fetch(`${nexus.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      ...init,
    });

  test("the exact path, a query string and a percent-encoded path answer alike", async () => {
    for (
      const path of [
        "/v1/chat/completions",
        "/v1/chat/completions?trace=1",
        "/v1/%63hat/completions",
      ]
    ) {
      const response = await post(path);
      expect(response.status).toBe(200);
      expect(response.headers.get("x-nexus-backend")).toBe("box");
      expect(response.headers.get("x-request-id")).toBeTruthy();
      expect((await response.json()).object).toBe("chat.completion");
    }
  });

  test("every answer says which Nexus sent it, whichever way it came", async () => {
    const id = nexus.gateway.instanceId;
    const answers = [
      await post("/v1/chat/completions"), // committed by the exchange, from the shortcut
      await post("/v1/chat/completions?trace=1"), // the same through Hono
      await post("/v1/chat/completions", {
        body: JSON.stringify({
          model: "m",
          stream: true,
          messages: [{ role: "user", content: "hi" }],
        }),
      }),
      await post("/v1/chat/completions", {
        body: JSON.stringify({ model: "nope", messages: [{ role: "user", content: "hi" }] }),
      }),
      await post("/v1/chat/completions", { body: "{not json" }),
      await post("/v1/embeddings", { body: JSON.stringify({ model: "m", input: "hi" }) }),
      await fetch(`${nexus.url}/v1/chat/completions`),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 404, 400, 200, 405]);
    for (const answer of answers) {
      expect(answer.headers.get("x-nexus-instance")).toBe(id);
      // Each of these read its body whole: the connection is kept.
      expect(answer.headers.get("connection")).not.toBe("close");
      await answer.body?.cancel();
    }
  });

  test("another method on a front door is still the app's 405, in the door's dialect", async () => {
    const response = await fetch(`${nexus.url}/v1/chat/completions`);
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toContain("POST");
    await response.body?.cancel();
  });
});
