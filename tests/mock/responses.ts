/**
 * `POST /v1/responses` as a server that serves the Responses API natively (Ollama ≥ 0.13.3,
 * recent vLLM, LM Studio, OpenAI), for the flavors started with `responses: true`: a Response
 * object, or its typed event stream (`event:` lines, increasing `sequence_number`). Like the chat
 * route it calls the first function tool offered unless the input ends with that call's output,
 * and answers `{}` (Nexus's feature probe) with OpenAI's 400 for a missing model.
 * @module
 */
import { estimateTokens, randomId, splitText, type SseStep, TOOL_ARGUMENTS } from "./chat.ts";
import { bodyObject, findModel, type Route } from "./context.ts";
import { abandoned, badRequest, json, modelNotFound } from "./http.ts";
import { streamBody } from "./sse.ts";

export const RESPONSES_PATH = "/v1/responses";

type Item = Record<string, unknown>;

/** The first function tool, unless the last input item already answers a call. */
function toolToCall(body: Item): string | undefined {
  const tools = Array.isArray(body.tools) ? body.tools as Item[] : [];
  const tool = tools.find((t) => t?.type === "function" && typeof t.name === "string");
  if (tool === undefined) return undefined;
  const input = body.input;
  const last = Array.isArray(input) ? input[input.length - 1] as Item | undefined : undefined;
  return last?.type === "function_call_output" ? undefined : String(tool.name);
}

const responses: Route = async (exchange) => {
  const { settings } = exchange;
  const body = bodyObject(exchange.rec.body);
  if (body === undefined) return badRequest("We could not parse the JSON body of your request.");
  const model = body.model;
  if (typeof model !== "string") return badRequest("Missing required parameter: 'model'.", "model");
  if (findModel(settings, model) === undefined) return modelNotFound(settings.flavor, model);
  const tool = toolToCall(body);
  const id = randomId("resp_", 24);
  const itemId = randomId(tool ? "fc_" : "msg_", 24);
  const callId = randomId("call_", 24);
  const inputTokens = estimateTokens(JSON.stringify(body.input ?? ""));
  const outputText = tool ? TOOL_ARGUMENTS : settings.text;
  const item = (status: string, text: string) =>
    tool
      ? { id: itemId, type: "function_call", status, arguments: text, call_id: callId, name: tool }
      : {
        id: itemId,
        type: "message",
        status,
        role: "assistant",
        content: status === "in_progress" ? [] : [{ type: "output_text", text, annotations: [] }],
      };
  const response = (status: string, output: unknown[]) => ({
    id,
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    status,
    error: null,
    incomplete_details: null,
    model,
    output,
    usage: status === "completed"
      ? {
        input_tokens: inputTokens,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: estimateTokens(outputText),
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: inputTokens + estimateTokens(outputText),
      }
      : null,
    instructions: typeof body.instructions === "string" ? body.instructions : null,
    tools: body.tools ?? [],
    store: body.store ?? true,
  });
  const done = response("completed", [item("completed", outputText)]);
  if (body.stream !== true) {
    const ms = settings.latencyMs;
    if (ms > 0 && !(await exchange.life.sleep(ms))) return abandoned();
    return json(done);
  }
  let seq = 0;
  const event = (delayMs: number, type: string, fields: Item): SseStep => ({
    delayMs,
    text: `event: ${type}\ndata: ${
      JSON.stringify({ type, sequence_number: seq++, ...fields })
    }\n\n`,
    stamped: false,
  });
  const where = { item_id: itemId, output_index: 0 };
  const steps: SseStep[] = [
    event(settings.ttftMs, "response.created", { response: response("in_progress", []) }),
    event(0, "response.in_progress", { response: response("in_progress", []) }),
    event(0, "response.output_item.added", { output_index: 0, item: item("in_progress", "") }),
  ];
  const part = { type: "output_text", text: "", annotations: [] };
  if (tool) {
    splitText(TOOL_ARGUMENTS, 3).forEach((delta, i) => {
      const gap = i === 0 ? 0 : settings.chunkGapMs;
      steps.push(event(gap, "response.function_call_arguments.delta", { ...where, delta }));
    });
    steps.push(event(0, "response.function_call_arguments.done", {
      ...where,
      name: tool,
      arguments: TOOL_ARGUMENTS,
    }));
  } else {
    const at = { ...where, content_index: 0 };
    steps.push(event(0, "response.content_part.added", { ...at, part }));
    splitText(outputText, settings.chunks).forEach((delta, i) => {
      const gap = i === 0 ? 0 : settings.chunkGapMs;
      steps.push(event(gap, "response.output_text.delta", { ...at, delta, logprobs: [] }));
    });
    steps.push(
      event(0, "response.output_text.done", { ...at, text: outputText, logprobs: [] }),
      event(0, "response.content_part.done", { ...at, part: { ...part, text: outputText } }),
    );
  }
  steps.push(
    event(0, "response.output_item.done", { output_index: 0, item: item("completed", outputText) }),
    event(0, "response.completed", { response: done }),
  );
  return streamBody(steps, exchange, exchange.cut ? { cut: exchange.cut } : {});
};

export const responsesRoutes: Record<string, Route> = { [`POST ${RESPONSES_PATH}`]: responses };
