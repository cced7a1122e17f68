/**
 * The answer to a request no route matched: 405 with `Allow` for a known path asked with the
 * wrong method, else 404, each in the envelope its client parses (Ollama's under `/api/`,
 * Anthropic's for its paths and SDK, else OpenAI's).
 * @module
 */
import { methodNotAllowed, notFound } from "./errors.ts";
import { FRONT_DOORS } from "./front-doors.ts";
import { KEYS_PATHS } from "./keys.ts";
import { OLLAMA_PATHS, ollamaError } from "./ollama.ts";
import { MANAGEMENT_PATHS } from "./ollama-manage.ts";
import { dialectOfPath } from "./path-dialect.ts";

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

/**
 * The known paths of an app: with `/metrics` and `/v1/stats` when it serves them, and `gets`
 * (the dashboard's pages and events, when it is on), which answer GET only.
 */
export function knownPaths(observability: boolean, gets: readonly string[] = []): KnownPaths {
  return [
    ...KNOWN_PATHS,
    ...(observability ? OBSERVABILITY_PATHS : []),
    ...gets.map((path) => [exactly(path), GET_ONLY] as const),
  ];
}

const GET_ONLY = ["GET"] as const;
const SPECIAL = /[.*+?^${}()|[\]\\]/g;

/** A pattern that matches `path` and nothing else. */
function exactly(path: string): RegExp {
  return new RegExp(`^${path.replace(SPECIAL, "\\$&")}$`);
}

export function unmatchedAnswer(
  request: Request,
  method: string,
  path: string,
  known: KnownPaths,
): Response {
  const allowed = known.find(([pattern]) => pattern.test(path))?.[1];
  // Anything under /api/ is Ollama's ground; elsewhere the path's own dialect (a front door
  // answers a wrong method in its own, and Anthropic clients parse only theirs).
  if (path.startsWith("/api/")) return ollamaUnknown(method, path, allowed);
  const dialect = dialectOfPath(request, path);
  return allowed
    ? methodNotAllowed(method, path, allowed, dialect)
    : notFound(method, path, dialect);
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
