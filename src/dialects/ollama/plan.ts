/**
 * What every translated Ollama route needs when it plans a call: the answer's context (model,
 * clock, start time, prompt estimate) and the plan for the load/unload form.
 * @module
 */
import { systemClock } from "../../lib/clock.ts";
import type { ParsedRequest, PlanTarget, UpstreamPlan } from "../contract.ts";
import type { AnswerContext, AnswerShape } from "./answer.ts";
import { loadTranslation } from "./from-openai.ts";

export function answerContext(
  shape: AnswerShape,
  target: PlanTarget,
  request: ParsedRequest,
): AnswerContext {
  return {
    shape,
    model: target.model,
    clock: systemClock,
    startedAt: systemClock.monotonic(),
    promptTokens: request.requirements.estimated_tokens,
  };
}

/**
 * Ollama's load/unload form (no prompt, no messages; `keep_alive: 0` unloads) sent to a server
 * that loads its models itself: nothing to run, so the backend is only asked for its model list
 * (which proves it answers) and the client gets Ollama's `done_reason` `load` or `unload`.
 */
export function loadPlan(
  request: ParsedRequest,
  target: PlanTarget,
  context: AnswerContext,
): UpstreamPlan {
  const keepAlive = request.body.keep_alive;
  const unload = keepAlive === 0 || keepAlive === "0" || keepAlive === "0s";
  return {
    path: "/v1/models",
    method: "GET",
    body: "",
    stream: false,
    upstream: "openai",
    translation: loadTranslation(context, target.backend.name, unload ? "unload" : "load"),
  };
}
