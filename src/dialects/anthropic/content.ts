/**
 * Content blocks of a Messages request, checked once: the block types Nexus reads have the shape
 * Anthropic requires (a 400 naming the path otherwise, as Anthropic's own validation does); other
 * block types pass, for a native backend to judge. The same pass measures the prompt (characters
 * a model reads, for the token estimate) and notes images (routing needs vision).
 * @module
 */
import type { Failure } from "../../lib/failures.ts";
import { bad, isObject, typeOf } from "./fields.ts";

export type Block = Readonly<Record<string, unknown>>;

/** What the prompt weighs, accumulated over every block. */
export interface Measure {
  chars: number;
  images: boolean;
}

/** `content`: a string, or a list of blocks; always returned as blocks. */
export function readContent(
  value: unknown,
  path: string,
  measure: Measure,
): readonly Block[] | Failure {
  if (typeof value === "string") {
    measure.chars += value.length;
    return [{ type: "text", text: value }];
  }
  if (!Array.isArray(value)) {
    return bad(path, "Input should be a string or a list of content blocks");
  }
  for (let i = 0; i < value.length; i++) {
    const problem = checkBlock(value[i], `${path}.${i}`, measure);
    if (problem) return problem;
  }
  return value as Block[];
}

function checkBlock(block: unknown, path: string, measure: Measure): Failure | undefined {
  if (!isObject(block) || typeof block.type !== "string") {
    return bad(path, "Input should be a content block object with a 'type'");
  }
  switch (block.type) {
    case "text":
      return checkText(block, path, measure);
    case "image":
      measure.images = true;
      return checkSource(block, path);
    case "document":
      if (
        isObject(block.source) && block.source.type === "text" &&
        typeof block.source.data === "string"
      ) {
        measure.chars += block.source.data.length;
      }
      return checkSource(block, path);
    case "tool_use":
      if (typeof block.id !== "string") return bad(`${path}.id`, "Field required");
      if (typeof block.name !== "string") return bad(`${path}.name`, "Field required");
      if (!isObject(block.input)) return bad(`${path}.input`, "Input should be an object");
      measure.chars += block.name.length + JSON.stringify(block.input).length;
      return undefined;
    case "tool_result":
      return checkToolResult(block, path, measure);
    default:
      return undefined;
  }
}

function checkText(block: Block, path: string, measure: Measure): Failure | undefined {
  if (typeof block.text !== "string") {
    return bad(`${path}.text`, `Input should be a string, got ${typeOf(block.text)}`);
  }
  measure.chars += block.text.length;
  return undefined;
}

function checkSource(block: Block, path: string): Failure | undefined {
  const source = block.source;
  if (!isObject(source) || typeof source.type !== "string") {
    return bad(`${path}.source`, "Input should be a source object with a 'type'");
  }
  return undefined;
}

function checkToolResult(block: Block, path: string, measure: Measure): Failure | undefined {
  if (typeof block.tool_use_id !== "string") return bad(`${path}.tool_use_id`, "Field required");
  if (block.is_error !== undefined && typeof block.is_error !== "boolean") {
    return bad(`${path}.is_error`, "Input should be a boolean");
  }
  if (block.content === undefined) return undefined;
  const content = readContent(block.content, `${path}.content`, measure);
  return Array.isArray(content) ? undefined : content as Failure;
}

/** The text of a block list: text blocks and text documents, in order. */
export function textOf(blocks: readonly Block[]): string {
  let text = "";
  for (const block of blocks) {
    const piece = block.type === "text" ? block.text : undefined;
    if (typeof piece === "string") text += (text === "" ? "" : "\n\n") + piece;
  }
  return text;
}
