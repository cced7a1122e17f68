import { describe, expect, test } from "bun:test";
import { adapterFor } from "../../../src/backends/mod.ts";
import { json, probeFake } from "../../helpers/fake-backend-fetch.ts";

describe("exo adapter probe()", () => {
  test("lists the cluster's models from /v1/models", async () => {
    const { result, fake } = await probeFake("exo", { "GET /v1/models": json("exo-models.json") });
    expect(result).toEqual({
      ok: true,
      models: [
        { id: "llama-3.2-1b", owned_by: "exo", capabilities: {} },
        { id: "llama-3.1-70b", owned_by: "exo", capabilities: {} },
      ],
    });
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /v1/models"]);
  });

  test("listens on 52415 by default", () => {
    expect(adapterFor("exo").defaultPort).toBe(52415);
  });

  test("sends the Bearer key only when configured", async () => {
    const routes = { "GET /v1/models": json("exo-models.json") };
    const withKey = await probeFake("exo", routes, { apiKey: "exo-key" });
    const without = await probeFake("exo", routes);
    expect(withKey.fake.requests[0]!.headers.get("authorization")).toBe("Bearer exo-key");
    expect(without.fake.requests[0]!.headers.has("authorization")).toBe(false);
  });
});
