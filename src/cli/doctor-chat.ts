/**
 * `nexus doctor --chat` / `--tools`: per model of a healthy backend, a tiny completion (a few
 * tokens), the same as a stream (it must end with `data: [DONE]`), and with `--tools` one tool
 * call whose arguments must parse as JSON. Sent to the backend directly, one model at a time:
 * each may load a model, so this is opt-in.
 * @module
 */
import { describeError } from "../lib/errors.ts";
import { withoutV1 } from "../lib/urls.ts";
import type { BackendCheckOptions, DoctorBackend } from "./doctor-types.ts";
import { type Finding, finding } from "./doctor-report.ts";

const PROMPT = [{ role: "user", content: "Reply with the single word OK." }];
const TOOL = {
  type: "function",
  function: {
    name: "get_time",
    description: "The current time in a time zone",
    parameters: {
      type: "object",
      properties: { timezone: { type: "string", description: "e.g. UTC" } },
      required: ["timezone"],
    },
  },
};

export async function chatFindings(
  backend: DoctorBackend,
  options: BackendCheckOptions,
): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const id of backend.models) {
    const model = options.models.find((m) => m.id === id);
    if (model?.capabilities.embeddings === true) continue;
    if (options.chat) {
      findings.push(await chat(backend, options, id));
      findings.push(await stream(backend, options, id));
    }
    if (options.tools && model?.capabilities.tools === false) {
      findings.push(
        finding("tools", backend.name, "skip", `${id}: the server says it has no tools`),
      );
    } else if (options.tools) {
      findings.push(await toolCall(backend, options, id));
    }
  }
  return findings;
}

async function post(
  backend: DoctorBackend,
  options: BackendCheckOptions,
  body: Record<string, unknown>,
): Promise<{ status: number; text: string } | { error: string }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  try {
    const response = await options.fetch(`${withoutV1(backend.url)}/v1/chat/completions`, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
      // A model may have to load first: far longer than a probe.
      signal: AbortSignal.timeout(Math.max(options.timeoutMs, 120_000)),
    });
    return { status: response.status, text: await response.text() };
  } catch (error) {
    return { error: describeError(error) };
  }
}

async function chat(backend: DoctorBackend, options: BackendCheckOptions, model: string) {
  const reply = await post(backend, options, { model, messages: PROMPT, max_tokens: 8 });
  const failed = problem(reply);
  if (failed) {
    return finding("chat", backend.name, "fail", `${model}: ${failed}`, fix(failed, CHAT_FIX));
  }
  const message = parse(reply as { text: string })?.choices?.[0]?.message;
  return message ? finding("chat", backend.name, "ok", `${model}: answered`) : finding(
    "chat",
    backend.name,
    "fail",
    `${model}: the answer has no choices[0].message`,
    CHAT_FIX,
  );
}

async function stream(backend: DoctorBackend, options: BackendCheckOptions, model: string) {
  const reply = await post(backend, options, {
    model,
    messages: PROMPT,
    max_tokens: 8,
    stream: true,
  });
  const failed = problem(reply);
  if (failed) {
    return finding("stream", backend.name, "fail", `${model}: ${failed}`, fix(failed, CHAT_FIX));
  }
  const events = (reply as { text: string }).text.split("\n")
    .filter((line) => line.startsWith("data:"))
    .map((line) => line.slice(5).trim());
  if (events[events.length - 1] !== "[DONE]") {
    return finding(
      "stream",
      backend.name,
      "fail",
      `${model}: the stream did not end with data: [DONE] (${events.length} events)`,
      "a proxy between Nexus and the server may buffer or cut streams; call the server directly",
    );
  }
  const chunks = events.slice(0, -1).filter((data) => parse({ text: data })?.choices);
  return chunks.length > 0
    ? finding("stream", backend.name, "ok", `${model}: ${chunks.length} chunks, then [DONE]`)
    : finding("stream", backend.name, "fail", `${model}: no chunk had choices`, CHAT_FIX);
}

async function toolCall(backend: DoctorBackend, options: BackendCheckOptions, model: string) {
  const reply = await post(backend, options, {
    model,
    messages: [{ role: "user", content: "What time is it in UTC? Use the get_time tool." }],
    tools: [TOOL],
    max_tokens: 128,
  });
  const failed = problem(reply);
  if (failed) {
    return finding("tools", backend.name, "fail", `${model}: ${failed}`, fix(failed, TOOLS_FIX));
  }
  const call = parse(reply as { text: string })?.choices?.[0]?.message?.tool_calls?.[0];
  if (call === undefined) {
    return finding(
      "tools",
      backend.name,
      "warn",
      `${model}: answered in text instead of calling the tool`,
      TOOLS_FIX,
    );
  }
  try {
    const args = JSON.parse(call.function?.arguments ?? "");
    if (args === null || typeof args !== "object") throw new Error("not an object");
  } catch {
    return finding(
      "tools",
      backend.name,
      "fail",
      `${model}: the tool call's arguments are not a JSON object: ${
        String(call.function?.arguments).slice(0, 80)
      }`,
      TOOLS_FIX,
    );
  }
  return finding(
    "tools",
    backend.name,
    "ok",
    `${model}: called ${call.function?.name} with JSON arguments`,
  );
}

/** What to do when a server refuses doctor's request for want of a key. */
export const KEY_FIX =
  "the server wants a key: set api_key_env in its [[backends]] entry, and that variable in Nexus's environment and here (doctor sends it)";
const CHAT_FIX =
  "try the model on the server itself; see its logs (out of memory, model file missing)";
const TOOLS_FIX =
  "use a model trained for tools (llama3.1+, qwen2.5, mistral); llama.cpp needs --jinja";

/** A refusal for want of a key has one fix, whatever was asked. */
function fix(failed: string, otherwise: string): string {
  return /^HTTP 40[13]\b/.test(failed) ? KEY_FIX : otherwise;
}

function problem(reply: { status: number; text: string } | { error: string }): string | undefined {
  if ("error" in reply) return reply.error;
  if (reply.status >= 400) return `HTTP ${reply.status}: ${reply.text.trim().slice(0, 120)}`;
  return undefined;
}

interface ChatAnswer {
  choices?: Array<{
    message?: {
      tool_calls?: Array<{ function?: { name?: string; arguments?: string } }>;
    };
  }>;
}

function parse(reply: { text: string }): ChatAnswer | undefined {
  try {
    const value = JSON.parse(reply.text);
    return value !== null && typeof value === "object" ? value as ChatAnswer : undefined;
  } catch {
    return undefined;
  }
}
