/**
 * The answer to a request no route matched: 405 with `Allow` for a known path asked with the
 * wrong method, else 404, each in the envelope its client parses (Ollama's under `/api/`,
 * Anthropic's for its paths and SDK, else OpenAI's).
 * @module
 */
import { anthropicDialect, type Dialect } from "../dialects/mod.ts";
import { methodNotAllowed, notFound } from "./errors.ts";
import { FRONT_DOORS } from "./front-doors.ts";
import { KEYS_PATHS } from "./keys.ts";
import { OLLAMA_PATHS, ollamaError } from "./ollama.ts";
import { MANAGEMENT_PATHS } from "./ollama-manage.ts";

type KnownPaths = ReadonlyArray<readonly [RegExp, readonly string[]]>;

/** Known paths and their methods, so a wrong method gets 405 instead of 404. */
const KNOWN_PATHS: KnownPaths = [
  ...FRONT_DOORS.map(([path]) => [new RegExp(`^${path}$`), ["POST"]] as const),
  [/^\/v1\/models$/, ["GET"]],
  [/^\/v1\/route$/, ["GET", "POST"]],
  [/^\/health$/, ["GET"]],
  [/^\/v1\/backends$/, ["GET", "POST"]],
  [/^\/v1\/backends\/[^/]+$/, ["DELETE"]],
  [/^\/v1\/backends\/[^/]+\/wake$/, ["POST"]],
  [/^\/v1\/config\/reload$/, ["POST"]],
  [/^\/v1\/models\/.+\/(load|unload)$/, ["POST"]],
  [/^\/v1\/models\/.+$/, ["GET"]],
  [/^\/models$/, ["GET"]],
  [/^\/models\/(load|unload)$/, ["POST"]],
  ...OLLAMA_PATHS,
  ...MANAGEMENT_PATHS,
  ...KEYS_PATHS,
];
const OBSERVABILITY_PATHS: KnownPaths = [
  [/^\/metrics$/, ["GET"]],
  [/^\/v1\/stats$/, ["GET"]],
];

/** The known paths of an app, with `/metrics` and `/v1/stats` when it serves them. */
export function knownPaths(observability: boolean): KnownPaths {
  return observability ? [...KNOWN_PATHS, ...OBSERVABILITY_PATHS] : KNOWN_PATHS;
}

export function unmatchedAnswer(
  request: Request,
  method: string,
  path: string,
  known: KnownPaths,
): Response {
  const allowed = known.find(([pattern]) => pattern.test(path))?.[1];
  // A front door answers a wrong method in its own dialect (Anthropic clients parse theirs);
  // anything under /api/ is Ollama's ground.
  const dialect = FRONT_DOORS.find(([door]) => door === path)?.[1].dialect ??
    anthropicOrUndefined(request, path);
  return path.startsWith("/api/")
    ? ollamaUnknown(method, path, allowed)
    : allowed
    ? methodNotAllowed(method, path, allowed, dialect)
    : notFound(method, path, dialect);
}

/**
 * Anthropic's SDK parses only its own envelope: a path under `/v1/messages` (batches, say) or a
 * request carrying `anthropic-version` gets it; everything else OpenAI's.
 */
function anthropicOrUndefined(request: Request, path: string): Dialect | undefined {
  return path.startsWith("/v1/messages/") || request.headers.has("anthropic-version")
    ? anthropicDialect
    : undefined;
}

/** Ollama's paths answer in Ollama's envelope, their 404 and 405 included. */
function ollamaUnknown(method: string, path: string, allowed?: readonly string[]): Response {
  if (allowed === undefined) return ollamaError("not_found", `Unknown path: ${method} ${path}`);
  return ollamaError(
    "method_not_allowed",
    `Method ${method} is not allowed on ${path} (allowed: ${allowed.join(", ")})`,
    { allow: allowed.join(", ") },
  );
}
