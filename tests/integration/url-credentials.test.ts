/**
 * A backend URL may carry a user and password (`http://user:password@host`: fetch sends them as
 * Basic auth, e.g. to a password-protected proxy in front of Ollama). The password goes to that
 * backend and nowhere else: not in `/v1/backends`, the dashboard's events, an admin answer, the
 * doctor's report, or a log line.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { TEST_SECRETS } from "../helpers/secrets.ts";
import { redactUrl } from "../../src/lib/urls.ts";
import { backendFindings } from "../../src/cli/doctor-backends.ts";

const PASSWORD = TEST_SECRETS.urlPassword;
let proxied: MockBackend;
let spare: MockBackend;
let gateway: RunningGateway;
const seen: string[] = [];

beforeAll(async () => {
  proxied = await startMockBackend({ models: [{ id: "m" }] });
  spare = await startMockBackend({ models: [{ id: "n" }] });
  gateway = await startGateway([
    { name: "proxied", url: withUser(proxied.url), type: "openai", models: ["m"] },
  ]);
});

afterAll(async () => {
  await gateway.close();
  await proxied.close();
  await spare.close();
});

function withUser(url: string): string {
  return url.replace("http://", `http://nexus:${PASSWORD}@`);
}

async function collect(path: string, init?: RequestInit): Promise<Response> {
  const response = await fetch(`${gateway.url}${path}`, init);
  seen.push(`${response.status} ${await response.clone().text()}`);
  return response;
}

/** The dashboard's first event (the snapshot), as text. */
async function snapshot(): Promise<string> {
  const response = await fetch(`${gateway.url}/ui/events`);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!/event: snapshot\ndata: .*\n\n/.test(text)) {
    const next = await reader.read();
    if (next.done) break;
    text += decoder.decode(next.value);
  }
  await reader.cancel();
  return text;
}

describe("redactUrl", () => {
  test("hides the user info of every URL in a text, and nothing else", () => {
    expect(redactUrl("http://bob:pw@h:1")).toBe("http://***@h:1");
    expect(redactUrl("https://token@h/llm")).toBe("https://***@h/llm");
    expect(redactUrl("http://bob:p@ss@h:1/x@y")).toBe("http://***@h:1/x@y");
    expect(redactUrl("sending to (http://a:b@h/v1): refused, then http://c:d@e")).toBe(
      "sending to (http://***@h/v1): refused, then http://***@e",
    );
    for (const plain of ["http://h:1", "https://h/a@b", "http://h?x=a@b", "me@x http://h"]) {
      expect(redactUrl(plain)).toBe(plain);
    }
  });
});

describe("a password in a backend URL", () => {
  test("reaches the backend as Basic auth", async () => {
    const response = await collect("/v1/chat/completions", {
      method: "POST",
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(response.status).toBe(200);
    expect(proxied.mock.chatRequests().at(-1)!.headers.authorization).toBe(
      `Basic ${btoa(`nexus:${PASSWORD}`)}`,
    );
  });

  test("is shown as *** in /v1/backends and the dashboard's events", async () => {
    const list = await (await collect("/v1/backends")).json();
    expect(list.data[0].url).toBe(redactUrl(withUser(proxied.url)));
    expect(list.data[0].url).toContain("***@127.0.0.1");
    const events = await snapshot();
    seen.push(events);
    expect(events).toContain("***@127.0.0.1");
  });

  test("is in no admin answer or log line when a backend is added at run time", async () => {
    for (let i = 0; i < 2; i++) {
      // The second add is refused as a duplicate URL: the refusal names the URL too.
      await collect("/v1/backends", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ url: withUser(spare.url), type: "openai", ephemeral: true }),
      });
    }
    expect(seen.at(-2)!.slice(0, 4)).toBe("201 ");
    expect(seen.at(-1)!.slice(0, 4)).toBe("409 ");
    expect(gateway.logs.some((line) => line.includes("backend added"))).toBe(true);
    await gateway.gateway.health.runRound();
    expect(seen.length).toBeGreaterThan(4);
    for (const text of [...seen, ...gateway.logs]) expect(text).not.toContain(PASSWORD);
  });

  test("is not in nexus doctor's report, which still asks the backend with it", async () => {
    const list = await (await fetch(`${gateway.url}/v1/backends`)).json();
    const asked: string[] = [];
    const findings = await backendFindings(
      // doctor replaces the listed URL with the one its config gives.
      { ...list.data[0], url: withUser(proxied.url) },
      {
        fetch: (input, init) => {
          asked.push(String(input));
          return fetch(input, init);
        },
        models: [],
        chat: true,
        tools: false,
        timeoutMs: 5000,
        now: () => Date.now(),
      },
    );
    expect(asked.some((url) => url.includes(PASSWORD))).toBe(true);
    expect(findings.find((f) => f.check === "chat")?.verdict).toBe("ok");
    expect(JSON.stringify(findings)).toContain("***@127.0.0.1");
    expect(JSON.stringify(findings)).not.toContain(PASSWORD);
  });
});
