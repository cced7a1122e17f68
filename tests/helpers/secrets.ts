/**
 * The secrets the test suite configures (backend API keys, client keys, admin tokens), and the
 * transcript every test gateway and every test process writes when `NEXUS_TEST_TRANSCRIPTS`
 * names a directory (`npm test` sets it): each response Nexus sends (status, headers, body) and
 * each log line. `scripts/secrets-scan.ts` then reads every transcript and fails the run when any
 * of these secrets appears in any of them (issue 14: no secret in any output of the suite).
 *
 * A test that configures a secret takes it from here, so the scan knows to look for it.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";

export const TEST_SECRETS = {
  /** A backend's API key (api_key_env). */
  backendKey: "sk-test-backend-key-9f8e7d6c5b4a",
  /** The credential a client sends to Nexus. */
  clientKey: "sk-test-client-key-1a2b3c4d5e6f",
  /** `server.admin_token`. */
  adminToken: "test-admin-token-5f1c2e9a7b",
  /** The key tests/integration/secrets.test.ts configures. */
  keyedBackend: "sk-very-secret-0123456789",
  /** The key tests/integration/observability.test.ts configures. */
  observedBackend: "sk-secret-observability-123",
  /** The password in a backend URL (`http://user:password@host`) tests/integration/url-credentials.test.ts configures. */
  urlPassword: "url-password-3c9d1e7f",
} as const;

export const ALL_TEST_SECRETS: readonly string[] = Object.values(TEST_SECRETS);

/** Bytes of one response body kept for the scan (the tests' answers are far smaller). */
const MAX_RECORDED_BODY = 4 * 1024 * 1024;

function transcriptDir(): string | undefined {
  const dir = process.env.NEXUS_TEST_TRANSCRIPTS;
  if (!dir) return undefined;
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Appends `text` to this process's transcript (nothing when transcripts are off). */
export function recordTranscript(source: string, text: string): void {
  const dir = transcriptDir();
  if (!dir) return;
  const runtime = typeof (globalThis as { Deno?: unknown }).Deno === "undefined" ? "bun" : "deno";
  appendFileSync(join(dir, `${runtime}-${process.pid}.log`), `--- ${source}\n${text}\n`);
}

export function transcriptsOn(): boolean {
  return Boolean(process.env.NEXUS_TEST_TRANSCRIPTS);
}

/**
 * `handler` with every response it sends recorded. A whole answer is read and re-sent (its
 * Content-Length kept); a stream is copied as it passes (the same chunks go on to the client, and
 * a client leaving still cancels the source).
 */
export function recordingHandler<C>(
  source: string,
  handler: (request: Request, conn: C) => Response | Promise<Response>,
): (request: Request, conn: C) => Promise<Response> {
  // Decided once: load tests send thousands of requests through here.
  if (!transcriptsOn()) return async (request, conn) => await handler(request, conn);
  return async (request, conn) => {
    const response = await handler(request, conn);
    const head = `${request.method} ${new URL(request.url).pathname} -> ${response.status} ${
      JSON.stringify([...response.headers])
    }`;
    if (!response.body) {
      recordTranscript(source, head);
      return response;
    }
    if (
      !/^(text\/event-stream|application\/x-ndjson)/i.test(
        response.headers.get("content-type") ?? "",
      )
    ) {
      // A whole answer: read it here, so the client still gets its Content-Length.
      const bytes = new Uint8Array(await response.arrayBuffer());
      recordTranscript(
        source,
        `${head}\n${new TextDecoder().decode(bytes.subarray(0, MAX_RECORDED_BODY))}`,
      );
      return new Response(bytes, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    }
    const decoder = new TextDecoder();
    let body = "";
    const write = () => recordTranscript(source, `${head}\n${body}`);
    const copy = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        if (body.length < MAX_RECORDED_BODY) body += decoder.decode(chunk, { stream: true });
        controller.enqueue(chunk);
      },
      flush: write,
    });
    const piped = response.body.pipeThrough(copy);
    return new Response(piped, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}
