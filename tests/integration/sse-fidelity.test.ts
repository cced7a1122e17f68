/**
 * Nexus must hand the client exactly the bytes the backend sent: same events, same order, same
 * framing, nothing merged or re-wrapped. The upstream here sends scripted bytes (including the
 * awkward parts of SSE) so the comparison is byte for byte.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { loadRuntime, type ServerHandle } from "../../src/runtime/mod.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";

const encoder = new TextEncoder();
const chunk = (n: number, content: string) =>
  `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[{"index":0,"delta":{"content":${
    JSON.stringify(content)
  }},"finish_reason":null}],"x_seq":${n}}\n\n`;

/** Each string is one write; the é of "café" is split across two writes on purpose. */
const cafe = encoder.encode(chunk(3, "café"));
const split = cafe.indexOf(0xc3) + 1;
const SCRIPT: Uint8Array[] = [
  encoder.encode(": ping\n\n"),
  encoder.encode(chunk(0, "")),
  encoder.encode(chunk(1, "Hello")),
  encoder.encode(chunk(2, " wor") + chunk(2.5, "ld")),
  cafe.slice(0, split),
  cafe.slice(split),
  encoder.encode("event: note\r\ndata: line one\r\ndata: line two\r\n\r\n"),
  encoder.encode(
    'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}\n\n',
  ),
  encoder.encode("data: [DONE]\n\n"),
];
const EXPECTED = concat(SCRIPT);

let upstream: ServerHandle;
let gateway: RunningGateway;

beforeAll(async () => {
  const runtime = await loadRuntime();
  upstream = await runtime.serve(() => {
    let index = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (index === SCRIPT.length) return controller.close();
        await new Promise((resolve) => setTimeout(resolve, 2));
        controller.enqueue(SCRIPT[index++]!);
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream; charset=utf-8" } });
  }, { hostname: "127.0.0.1", port: 0 });
  gateway = await startGateway([{
    name: "scripted",
    url: `http://127.0.0.1:${upstream.port}`,
    models: ["m"],
  }]);
});

afterAll(async () => {
  await gateway.close();
  await upstream.stop(true);
});

async function readAll(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const request = JSON.stringify({
  model: "m",
  messages: [{ role: "user", content: "hi" }],
  stream: true,
});

describe("SSE pass-through", () => {
  test("the client receives the backend's bytes exactly", async () => {
    const direct = await readAll(
      await fetch(`http://127.0.0.1:${upstream.port}/v1/chat/completions`, {
        method: "POST",
        body: request,
      }),
    );
    expect(direct).toEqual(EXPECTED);
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      body: request,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("x-nexus-backend")).toBe("scripted");
    const proxied = await readAll(response);
    expect(proxied.length).toBe(EXPECTED.length);
    expect(proxied).toEqual(EXPECTED);
  });

  test("the same holds for many requests in parallel", async () => {
    const bodies = await Promise.all(
      Array.from(
        { length: 20 },
        () =>
          fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", body: request }).then(
            readAll,
          ),
      ),
    );
    for (const body of bodies) expect(body).toEqual(EXPECTED);
  });
});

describe("the in-stream error after a cut", () => {
  test("is an event of its own when the backend stopped between an event's two newlines", async () => {
    // The last write ends one line of an event ("…}\n") but not the event itself ("\n\n").
    const first = encoder.encode(chunk(0, "Hi"));
    const cut = first.subarray(0, first.length - 1);
    const fetchStub = () => {
      let sent = false;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent) return controller.error(new Error("connection reset by peer"));
          sent = true;
          controller.enqueue(cut);
        },
      });
      return Promise.resolve(
        new Response(body, { headers: { "content-type": "text/event-stream" } }),
      );
    };
    const running = await startGateway(
      [{ name: "cut", url: "http://cut.test", models: ["m"] }],
      {},
      { fetch: fetchStub },
    );
    try {
      const response = await fetch(`${running.url}/v1/chat/completions`, {
        method: "POST",
        body: JSON.stringify({
          model: "m",
          messages: [{ role: "user", content: "hi" }],
          stream: true,
        }),
      });
      const text = await response.text();
      const events = text.split("\n\n").filter((event) => event !== "");
      expect(events).toHaveLength(2);
      expect(events[0]).toBe(chunk(0, "Hi").slice(0, -2));
      expect(events[1]!.startsWith("data: ")).toBe(true);
      expect(JSON.parse(events[1]!.slice("data: ".length)).error.code).toBe("bad_gateway");
    } finally {
      await running.close();
    }
  });
});
