/**
 * The exchange's `parse` step: the body text as the request the endpoint serves — one JSON object
 * (body.ts: valid, an object, not nested too deep), no routed key given twice (duplicate-keys.ts:
 * Nexus and the backend could read different models), then the endpoint's own parse in its
 * dialect (model, stream, requirements). Each refusal is a `Failure` the exchange renders.
 * @module
 */
import type { Endpoint, ParsedRequest } from "../dialects/mod.ts";
import { type Failure, isFailure } from "../lib/failures.ts";
import { parseJsonObject } from "./body.ts";
import { duplicateKeyFailure } from "./duplicate-keys.ts";

/** `text` (the whole body, read) as `endpoint` parses it, or why it cannot be served. */
export function parseRequest(endpoint: Endpoint, text: string): ParsedRequest | Failure {
  const body = parseJsonObject(text);
  if (isFailure(body)) return body;
  return duplicateKeyFailure(text, body) ?? endpoint.parse(body, text);
}
