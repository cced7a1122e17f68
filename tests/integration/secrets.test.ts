/**
 * A backend's API key goes to that backend and nowhere else: not in any response, error, list,
 * health or model output, and not in the logs. Clients' own keys are not sent to a backend that
 * has its own.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { TEST_SECRETS } from "../helpers/secrets.ts";

const SECRET = TEST_SECRETS.keyedBackend;
/** A prompt no log line may ever contain. */
const PROMPT = "my-private-prompt-text-7f3a";
let keyed: MockBackend;
let gateway: RunningGateway;
const seen: string[] = [];

beforeAll(async () => {
  keyed = await startMockBackend({ models: [{ id: "m" }], apiKey: SECRET });
  gateway = await startGateway(
    [{ name: "keyed", url: keyed.url, api_key_env: "KEYED_API_KEY", models: ["m"] }],
    {},
    { env: { KEYED_API_KEY: SECRET } },
  );
});

afterAll(async () => {
  await gateway.close();
  await keyed.close();
});

async function collect(path: string, init?: RequestInit): Promise<Response> {
  const response = await fetch(`${gateway.url}${path}`, init);
  seen.push(
    `${response.status} ${JSON.stringify([...response.headers])} ${await response.clone().text()}`,
  );
  return response;
}

describe("backend API keys", () => {
  test("are sent to their backend as a Bearer token, replacing the client's", async () => {
    const response = await collect("/v1/chat/completions", {
      method: "POST",
      headers: { authorization: "Bearer client-key" },
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: PROMPT }] }),
    });
    expect(response.status).toBe(200);
    expect(keyed.mock.chatRequests().at(-1)!.headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  test("never appear in responses, errors, admin output or logs", async () => {
    keyed.mock.setFault({
      kind: "status",
      status: 401,
      body: '{"error":{"message":"bad key","type":"auth","param":null,"code":null}}',
    });
    await collect("/v1/chat/completions", {
      method: "POST",
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
    });
    keyed.mock.setFault({ kind: "status", status: 500 });
    await collect("/v1/chat/completions", {
      method: "POST",
      body: JSON.stringify({
        model: "m",
        messages: [{ role: "user", content: "hi" }],
        stream: true,
      }),
    });
    keyed.mock.setFault({ kind: "none" });
    for (const path of ["/v1/backends", "/v1/models", "/health", "/v1/route?model=m", "/nope"]) {
      await collect(path);
    }
    await gateway.gateway.health.runRound();
    expect(seen.length).toBeGreaterThan(5);
    for (const text of [...seen, ...gateway.logs]) expect(text).not.toContain(SECRET);
    // The request log has a line for the chat request, and it carries no prompt text.
    expect(gateway.logs.some((line) => line.includes('"model":"m"'))).toBe(true);
    for (const line of gateway.logs) expect(line).not.toContain(PROMPT);
  });
});
