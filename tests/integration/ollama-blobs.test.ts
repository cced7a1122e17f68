/**
 * `ollama create` run against Nexus (OLLAMA_HOST) first asks `HEAD /api/blobs/{digest}` whether
 * the backend has each file, then uploads the missing ones with `POST`. Hono routes a HEAD
 * request as GET, so the HEAD route was never reached: Nexus answered 405 "allow: HEAD, POST".
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";

let ollama: MockBackend;
let gateway: RunningGateway;

const CONTENT = "FROM llama3.2\n";
let digest: string;

beforeAll(async () => {
  ollama = await startMockBackend({ flavor: "ollama", models: [{ id: "llama3.2:latest" }] });
  gateway = await startGateway([
    { name: "ollie", url: ollama.url, type: "ollama", models: ["llama3.2:latest"] },
  ]);
  const hash = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(CONTENT));
  digest = "sha256:" + [...new Uint8Array(hash)].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
});

afterAll(async () => {
  await gateway?.close();
  await ollama?.close();
});

const blob = (method: string, body?: string) =>
  fetch(`${gateway.url}/api/blobs/${digest}`, { method, ...(body ? { body } : {}) });

describe("/api/blobs/{digest} through Nexus", () => {
  test("HEAD before the upload: the backend's 404, relayed", async () => {
    const response = await blob("HEAD");
    expect(response.status).toBe(404);
    expect(response.headers.get("x-nexus-backend")).toBe("ollie");
  });

  test("POST uploads it (201); HEAD then finds it (200)", async () => {
    expect((await blob("POST", CONTENT)).status).toBe(201);
    expect((await blob("HEAD")).status).toBe(200);
    const heads = ollama.mock.requests.filter((r) => r.method === "HEAD");
    expect(heads.map((r) => r.path)).toEqual([`/api/blobs/${digest}`, `/api/blobs/${digest}`]);
  });

  test("GET is still no method of the path: 405 in Ollama's envelope", async () => {
    const response = await blob("GET");
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("HEAD, POST");
    expect(await response.json()).toEqual({
      error: `Method GET is not allowed on /api/blobs/${digest} (allowed: HEAD, POST)`,
    });
  });
});
