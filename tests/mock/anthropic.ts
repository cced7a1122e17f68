/**
 * `POST /v1/messages` (and `/v1/messages/count_tokens`) as a server that serves Anthropic's
 * Messages API itself — Ollama ≥ 0.14, LM Studio ≥ 0.4.1, llama.cpp, vLLM — for the flavors
 * started with `anthropic: true`. Answers in Anthropic's shapes: a Message, or its event stream
 * (message_start, content_block_start, ping, deltas, content_block_stop, message_delta,
 * message_stop). Like the chat route it calls the first tool offered unless the last user turn
 * returns a tool result, and answers `{}` (Nexus's probe) with Anthropic's 400. Ollama and LM
 * Studio have no count_tokens route (their own 404), as the real servers.
 * @module
 */
import { estimateTokens, randomId, splitText, type SseStep, TOOL_ARGUMENTS } from "./chat.ts";
import { bodyObject, findModel, type MockSettings, type Route } from "./context.ts";
import { json, notFound } from "./http.ts";
import { streamBody } from "./sse.ts";

export const MESSAGES_PATH = "/v1/messages";
export const COUNT_TOKENS_PATH = "/v1/messages/count_tokens";

type Item = Record<string, unknown>;

function anthropicError(status: number, type: string, message: string): Response {
  return json({ type: "error", error: { type, message } }, status);
}

/** llama-server answers whatever model is asked; the others know their models. */
function knowsModel(settings: MockSettings, model: string): boolean {
  return settings.flavor === "llamacpp" || findModel(settings, model) !== undefined;
}

/** The first tool, unless the last user turn already returns a tool's result. */
function toolToCall(body: Item): string | undefined {
  const tools = Array.isArray(body.tools) ? body.tools as Item[] : [];
  const tool = tools.find((t) => typeof t?.name === "string");
  if (tool === undefined) return undefined;
  const messages = Array.isArray(body.messages) ? body.messages as Item[] : [];
  const content = messages.at(-1)?.content;
  const answered = Array.isArray(content) &&
    content.some((block) => (block as Item | null)?.type === "tool_result");
  return answered ? undefined : String(tool.name);
}

function event(type: string, data: unknown): SseStep {
  return { delayMs: 0, text: `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`, stamped: false };
}

const messages: Route = (exchange) => {
  const { settings } = exchange;
  const body = bodyObject(exchange.rec.body);
  if (body === undefined) return anthropicError(400, "invalid_request_error", "invalid JSON body");
  const model = body.model;
  if (typeof model !== "string") {
    return anthropicError(400, "invalid_request_error", "model: Field required");
  }
  if (typeof body.max_tokens !== "number") {
    return anthropicError(400, "invalid_request_error", "max_tokens: Field required");
  }
  if (!knowsModel(settings, model)) {
    return anthropicError(404, "not_found_error", `model: ${model}`);
  }
  const tool = toolToCall(body);
  const id = randomId("msg_", 24);
  const toolId = randomId("toolu_", 24);
  const input = estimateTokens(JSON.stringify([body.system ?? "", body.messages]));
  const output = estimateTokens(tool ? TOOL_ARGUMENTS : settings.text);
  const stop = tool ? "tool_use" : "end_turn";
  if (body.stream !== true) {
    const content = tool
      ? [{ type: "tool_use", id: toolId, name: tool, input: JSON.parse(TOOL_ARGUMENTS) }]
      : [{ type: "text", text: settings.text }];
    return json({
      id,
      type: "message",
      role: "assistant",
      model,
      content,
      stop_reason: stop,
      stop_sequence: null,
      usage: { input_tokens: input, output_tokens: output },
    });
  }
  const steps: SseStep[] = [
    {
      ...event("message_start", {
        type: "message_start",
        message: {
          id,
          type: "message",
          role: "assistant",
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: input, output_tokens: 1 },
        },
      }),
      delayMs: settings.ttftMs,
    },
    event("content_block_start", {
      type: "content_block_start",
      index: 0,
      content_block: tool
        ? { type: "tool_use", id: toolId, name: tool, input: {} }
        : { type: "text", text: "" },
    }),
    event("ping", { type: "ping" }),
  ];
  const pieces = tool ? splitText(TOOL_ARGUMENTS, 3) : splitText(settings.text, settings.chunks);
  pieces.forEach((piece, i) => {
    const delta = tool
      ? { type: "input_json_delta", partial_json: piece }
      : { type: "text_delta", text: piece };
    steps.push({
      ...event("content_block_delta", { type: "content_block_delta", index: 0, delta }),
      delayMs: i === 0 ? 0 : settings.chunkGapMs,
    });
  });
  steps.push(
    event("content_block_stop", { type: "content_block_stop", index: 0 }),
    event("message_delta", {
      type: "message_delta",
      delta: { stop_reason: stop, stop_sequence: null },
      usage: { output_tokens: output },
    }),
    event("message_stop", { type: "message_stop" }),
  );
  return streamBody(steps, exchange, { cut: exchange.cut });
};

const countTokens: Route = ({ settings, rec }) => {
  // Ollama and LM Studio serve /v1/messages without its count_tokens route.
  if (settings.flavor === "ollama" || settings.flavor === "lmstudio") {
    return notFound(settings.flavor, rec.method, rec.path);
  }
  const body = bodyObject(rec.body);
  if (body === undefined || typeof body.model !== "string") {
    return anthropicError(400, "invalid_request_error", "model: Field required");
  }
  const counted = JSON.stringify([body.system ?? "", body.messages, body.tools ?? []]);
  return json({ input_tokens: estimateTokens(counted) });
};

export const anthropicRoutes: Record<string, Route> = {
  [`POST ${MESSAGES_PATH}`]: messages,
  [`POST ${COUNT_TOKENS_PATH}`]: countTokens,
};
