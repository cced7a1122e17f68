/**
 * The memory of concurrent large bodies (issue 14, item 10): request bodies held at once share
 * one budget (`server.max_inflight_body_bytes`). While one large upload holds most of it, another
 * that does not fit gets 503 with `Retry-After` instead of memory; once the first is done, the
 * second goes through.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { waitFor } from "../helpers/mock-backend.ts";

const BUDGET = 100_000;
let gateway: RunningGateway;
let port: number;

beforeAll(async () => {
  gateway = await startGateway([], {
    server: { max_inflight_body_bytes: BUDGET, max_body_bytes: 90_000, body_timeout_seconds: 20 },
  });
  port = Number(new URL(gateway.url).port);
});
afterAll(() => gateway.close());

/** Starts an upload of `declared` bytes, sending only its first `sent`; resolves once sent. */
function holdUpload(
  declared: number,
  sent: string,
): Promise<{ socket: Socket; answer: Promise<string> }> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let text = "";
    const answer = new Promise<string>((done) => {
      socket.on("data", (chunk: Uint8Array) => {
        text += new TextDecoder().decode(chunk);
        if (/\r\n\r\n[\s\S]*\}$/.test(text)) done(text);
      });
      socket.on("close", () => done(text));
    });
    socket.on("error", () => {});
    socket.on("connect", () => {
      socket.write(
        `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
          `content-length: ${declared}\r\n\r\n${sent}`,
        () => resolve({ socket, answer }),
      );
    });
  });
}

const body = (size: number) => {
  const head = '{"model":"nope","messages":[{"role":"user","content":"hi"}],"pad":"';
  return head + "x".repeat(size - head.length - 2) + '"}';
};

const post = (text: string) =>
  fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: text,
  });

describe("the body budget", () => {
  test("a body that does not fit beside one in flight: 503 + Retry-After; then it fits", async () => {
    const first = body(80_000);
    const held = await holdUpload(first.length, first.slice(0, 1000));
    // The held upload is in the pipeline (its declared length taken from the budget).
    await waitFor(() => gateway.gateway.inflight.count === 1, "the upload to be in flight");

    const refused = await post(body(30_000));
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    const { error } = await refused.json();
    expect(error.message).toContain("max_inflight_body_bytes");

    held.socket.write(first.slice(1000));
    expect(await held.answer).toContain("HTTP/1.1 404");
    held.socket.destroy();
    const accepted = await post(body(30_000));
    expect(accepted.status).toBe(404);
    await accepted.body?.cancel();
  });
});
