/**
 * OpenAI's legacy text completions (`POST /v1/completions`), as vLLM, llama-server, LM Studio and
 * Ollama serve them: `text_completion` objects, streamed as SSE events ending with `[DONE]`. A
 * request with a `suffix` (fill-in-the-middle) is answered with a reply that says so, so a test can
 * tell the suffix reached the backend.
 * @module
 */
import { estimateTokens, randomId, splitText, type SseStep } from "./chat.ts";
import { bodyObject, type Exchange, findModel, type Route } from "./context.ts";
import { abandoned, badRequest, jsonText, modelNotFound } from "./http.ts";
import { streamBody } from "./sse.ts";

export const COMPLETIONS_PATH = "/v1/completions";

/** The reply to a fill-in-the-middle request: names the suffix's length. */
export function fimReply(suffix: string): string {
  return `/* filled before ${suffix.length} chars of suffix */`;
}

const completions: Route = async (exchange) => {
  const { settings } = exchange;
  const body = bodyObject(exchange.rec.body);
  const model = body?.model;
  if (typeof model !== "string") return badRequest("you must provide a model parameter", "model");
  if (settings.flavor !== "llamacpp" && findModel(settings, model) === undefined) {
    return modelNotFound(settings.flavor, model);
  }
  const prompt = body?.prompt;
  if (prompt === undefined) return badRequest("'prompt' is a required property", "prompt");
  const suffix = typeof body?.suffix === "string" && body.suffix !== "" ? body.suffix : undefined;
  const text = suffix === undefined ? settings.text : fimReply(suffix);
  const id = randomId("cmpl-", 29);
  const created = Math.floor(Date.now() / 1000);
  const promptTokens = estimateTokens(JSON.stringify(prompt));
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: estimateTokens(text),
    total_tokens: promptTokens + estimateTokens(text),
  };
  if (body?.stream === true) {
    const head = `{"id":"${id}","object":"text_completion","created":${created},` +
      `"model":${JSON.stringify(model)},"choices":`;
    const chunk = (delayMs: number, piece: string, finish: string | null): SseStep => ({
      delayMs,
      text: head +
        JSON.stringify([{ text: piece, index: 0, logprobs: null, finish_reason: finish }]),
      stamped: true,
    });
    const steps = splitText(text, settings.chunks).map((piece, i) =>
      chunk(i === 0 ? settings.ttftMs : settings.chunkGapMs, piece, null)
    );
    steps.push(chunk(0, "", "stop"));
    steps.push({ delayMs: 0, text: "data: [DONE]\n\n", stamped: false });
    return streamBody(steps, exchange);
  }
  if (!(await delay(exchange))) return abandoned();
  return jsonText(JSON.stringify({
    id,
    object: "text_completion",
    created,
    model,
    choices: [{ text, index: 0, logprobs: null, finish_reason: "stop" }],
    usage,
  }));
};

function delay(exchange: Exchange): Promise<boolean> {
  const ms = exchange.settings.latencyMs;
  return ms > 0 ? exchange.life.sleep(ms) : Promise.resolve(true);
}

export const completionsRoutes: Record<string, Route> = {
  [`POST ${COMPLETIONS_PATH}`]: completions,
};
