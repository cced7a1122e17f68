/**
 * Responses `tools`, `tool_choice` and `text.format` → their chat equivalents. Only `function`
 * tools have one: hosted tools (web search, file search, code interpreter …) run on OpenAI's side,
 * and Codex's `local_shell`, `custom` (free-form grammar) and `namespace` tools have no faithful
 * chat form, so each is refused by name rather than silently dropped or reshaped.
 * @module
 */
import type { Failure } from "../../../lib/failures.ts";
import { invalidField, untranslatable } from "./unsupported.ts";

type Body = Readonly<Record<string, unknown>>;
type Item = Record<string, unknown>;

export function toChatTools(tools: unknown): Item[] | Failure | undefined {
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) return invalidField("tools", "an array of tools");
  const out: Item[] = [];
  for (let i = 0; i < tools.length; i++) {
    const tool = tools[i] as Item | null;
    const param = `tools[${i}]`;
    if (typeof tool !== "object" || tool === null) return invalidField(param, "a tool object");
    if (tool.type !== "function") {
      return untranslatable(`${param}.type`, `Tool type '${String(tool.type)}'`);
    }
    if (typeof tool.name !== "string" || tool.name === "") {
      return invalidField(`${param}.name`, "a non-empty string");
    }
    const fn: Item = { name: tool.name };
    if (typeof tool.description === "string") fn.description = tool.description;
    if (typeof tool.parameters === "object" && tool.parameters !== null) {
      fn.parameters = tool.parameters;
    }
    if (tool.strict === true) fn.strict = true;
    out.push({ type: "function", function: fn });
  }
  return out;
}

export function toChatToolChoice(choice: unknown): unknown | Failure {
  if (choice === undefined || choice === null) return undefined;
  if (choice === "none" || choice === "auto" || choice === "required") return choice;
  const object = choice as Item;
  if (typeof choice === "object" && object.type === "function" && typeof object.name === "string") {
    return { type: "function", function: { name: object.name } };
  }
  const type = typeof choice === "object" ? String(object.type) : JSON.stringify(choice);
  return untranslatable("tool_choice", `tool_choice '${type}'`);
}

/** `text.format` → `response_format`; plain text needs none. */
export function toResponseFormat(body: Body): Item | Failure | undefined {
  const text = body.text as Item | undefined | null;
  if (text === undefined || text === null) return undefined;
  if (typeof text !== "object") return invalidField("text", "an object");
  const format = text.format as Item | undefined | null;
  if (format === undefined || format === null || format.type === "text") return undefined;
  if (format.type === "json_object") return { type: "json_object" };
  if (format.type === "json_schema") {
    if (typeof format.name !== "string" || typeof format.schema !== "object") {
      return invalidField("text.format", "a json_schema format with 'name' and 'schema'");
    }
    const schema: Item = { name: format.name, schema: format.schema };
    if (typeof format.description === "string") schema.description = format.description;
    if (typeof format.strict === "boolean") schema.strict = format.strict;
    return { type: "json_schema", json_schema: schema };
  }
  return invalidField("text.format.type", "'text', 'json_object' or 'json_schema'");
}
