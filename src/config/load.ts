/**
 * Loads the configuration: reads the TOML file (if any), layers env and flags over it,
 * validates once and freezes the result. Never falls back to defaults on a bad value.
 * @module
 */
import { parse as parseToml, TomlError } from "smol-toml";
import type { z } from "zod";
import type { Runtime } from "../runtime/mod.ts";
import { RuntimeFileError } from "../runtime/mod.ts";
import { deepFreeze, isPlainObject, type PlainObject } from "../lib/merge.ts";
import { endsWithV1, redactUrl, V1_HINT } from "../lib/urls.ts";
import { ConfigError } from "./errors.ts";
import {
  type ConfigFlags,
  envLayer,
  fileLayer,
  flagsLayer,
  type Layer,
  mergeLayers,
  sourceOf,
} from "./layers.ts";
import { buildConfigSchema, type NexusConfig } from "./schema.ts";

export const DEFAULT_CONFIG_PATH = "nexus.toml";

export interface LoadConfigOptions {
  readonly runtime: Pick<Runtime, "readTextFile">;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `-c/--config` and the other serve flags that map onto config keys. */
  readonly flags?: ConfigFlags & { config?: string };
}

export interface LoadedConfig {
  readonly config: Readonly<NexusConfig>;
  /** The file that was read, or undefined when running on defaults. */
  readonly path: string | undefined;
  /** Problems that do not stop startup (unknown keys), one line each. */
  readonly warnings: readonly string[];
}

export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const explicitPath = options.flags?.config ?? nonEmpty(options.env.NEXUS_CONFIG);
  const path = explicitPath ?? DEFAULT_CONFIG_PATH;
  const text = await readConfigFile(options.runtime, path, explicitPath !== undefined);
  const layers: Layer[] = [];
  if (text !== undefined) layers.push(fileLayer(parseTomlText(text, path), path));
  layers.push(envLayer(options.env), flagsLayer(options.flags ?? {}));
  const merged = mergeLayers(layers);
  const file = text === undefined ? undefined : path;
  const { config, warnings } = validateConfig(merged.values, merged.sources, file);
  return { config: deepFreeze(config), path: file, warnings };
}

/** Validates a merged config object; exported for `config init` checks and tests. */
export function validateConfig(
  input: PlainObject,
  sources: ReadonlyMap<string, string> = new Map(),
  /** The file the values came from, if any: named by the error (`ConfigError.file`). */
  file?: string,
): { config: NexusConfig; warnings: string[] } {
  const warnings: string[] = [];
  let candidate = input;
  // Built here and dropped after: a running gateway keeps no schema (buildConfigSchema's note).
  const schema = buildConfigSchema();
  for (let attempt = 0; attempt < 2; attempt++) {
    const result = schema.safeParse(candidate);
    if (result.success) {
      return { config: result.data, warnings: [...warnings, ...v1Warnings(result.data, sources)] };
    }
    const unknown = result.error.issues.filter((issue) => issue.code === "unrecognized_keys");
    const problems = result.error.issues.filter((issue) => issue.code !== "unrecognized_keys");
    const unknownKeys = unknown.flatMap((issue) =>
      (issue as { keys: string[] }).keys.map((key) => ({ issue, key, path: [...issue.path, key] }))
    );
    const unknownLines = unknownKeys.map(({ path }) =>
      `unknown key "${formatPath(path)}" ignored (from ${sourceOf(sources, path)})`
    );
    if (problems.length > 0 || attempt === 1) {
      // The unknown keys too: a misspelt key (`ulr`) is often why a required one is missing.
      const lines = [
        ...problems.map((issue) => formatIssue(issue, input, sources)),
        ...warnings,
        ...unknownLines,
      ];
      throw new ConfigError("E_CONFIG_INVALID", "Invalid configuration:", lines, { file });
    }
    // Unknown keys are warnings, not errors: drop them and validate what remains.
    candidate = structuredClone(candidate);
    warnings.push(...unknownLines);
    for (const { issue, key } of unknownKeys) {
      const parent = valueAt(candidate, issue.path);
      if (isPlainObject(parent)) delete parent[key];
    }
  }
  throw new ConfigError("E_CONFIG_INVALID", "Invalid configuration", [], { file });
}

/** A backend URL ending in /v1 is valid but reaches /v1/v1/…: worth a line, not a refusal. */
function v1Warnings(config: NexusConfig, sources: ReadonlyMap<string, string>): string[] {
  return config.backends.flatMap((backend, index) => {
    if (!endsWithV1(backend.url)) return [];
    const path = ["backends", index, "url"];
    return [
      `${formatPath(path)} "${redactUrl(backend.url)}" ends in /v1: ${V1_HINT} (from ${
        sourceOf(sources, path)
      })`,
    ];
  });
}

async function readConfigFile(
  runtime: Pick<Runtime, "readTextFile">,
  path: string,
  mustExist: boolean,
): Promise<string | undefined> {
  try {
    return await runtime.readTextFile(path);
  } catch (error) {
    if (error instanceof RuntimeFileError && error.kind === "not_found") {
      if (!mustExist) return undefined;
      throw new ConfigError(
        "E_CONFIG_NOT_FOUND",
        `Cannot load config "${path}": file not found`,
        [],
        { file: path },
      );
    }
    const reason = error instanceof RuntimeFileError ? error.message.split(":")[0] : String(error);
    throw new ConfigError("E_CONFIG_READ", `Cannot load config "${path}": ${reason}`, [], {
      cause: error,
      file: path,
    });
  }
}

function parseTomlText(text: string, path: string): PlainObject {
  try {
    return parseToml(text) as PlainObject;
  } catch (error) {
    const detail = error instanceof TomlError
      ? `line ${error.line}, column ${error.column}: ${error.message.split("\n")[0]}`
      : String(error);
    throw new ConfigError("E_CONFIG_PARSE", `Cannot parse config "${path}": ${detail}`, [], {
      cause: error,
      file: path,
    });
  }
}

function formatIssue(
  issue: z.core.$ZodIssue,
  input: PlainObject,
  sources: ReadonlyMap<string, string>,
): string {
  const value = valueAt(input, issue.path);
  const key = String(issue.path[issue.path.length - 1]);
  const secret = SECRET_KEYS.has(key);
  const shown = URL_KEYS.has(key) && typeof value === "string" ? hideUserInfo(value) : value;
  const got = value === undefined ? "" : `, got ${describeValue(shown, secret)}`;
  let message: string;
  switch (issue.code) {
    case "invalid_value":
      message = `expected one of ${issue.values.map(String).join("|")}${got}`;
      break;
    case "invalid_type":
      message = value === undefined
        ? "is required"
        : `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}${got}`;
      break;
    case "too_small":
      message = issue.origin === "string" && Number(issue.minimum) === 1
        ? `must not be empty${got}`
        : `must be ${issue.inclusive === false ? ">" : ">="} ${issue.minimum}${got}`;
      break;
    case "too_big":
      message = `must be ${issue.inclusive === false ? "<" : "<="} ${issue.maximum}${got}`;
      break;
    default:
      message = isPlainObject(value) || Array.isArray(value) ||
          (!secret && issue.message.includes(JSON.stringify(value)))
        ? issue.message
        : `${issue.message}${got}`;
  }
  // These lines reach the terminal, the log and a reload's HTTP answer: a password in a URL
  // (`redis://:pw@host`, `http://user:pw@proxy`) is shown as ***, like everywhere else.
  return redactUrl(
    `${formatPath(issue.path)}: ${message} (from ${sourceOf(sources, issue.path)})`,
  );
}

/** Keys whose value is a credential: a wrong one is described by its type, never shown. */
const SECRET_KEYS: ReadonlySet<string> = new Set(["admin_token"]);

/** Keys whose value is a URL, which may carry a user and password (`http://user:pw@host`). */
const URL_KEYS: ReadonlySet<string> = new Set(["url", "redis_url"]);

/**
 * A URL value as an error shows it: whatever comes before its last `@` (after the scheme) is
 * `***`. `redactUrl` finds user info in a well-formed URL only, and a password with an unescaped
 * `/`, `#` or space (or a URL without its scheme) is the usual reason the value is wrong.
 */
function hideUserInfo(url: string): string {
  const at = url.lastIndexOf("@");
  if (at < 0) return url;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0] ?? "";
  return `${scheme}***${url.slice(at)}`;
}

const TYPE_NAMES: Record<string, string> = {
  int: "an integer",
  number: "a number",
  boolean: "true or false",
  string: "a string",
  array: "an array",
  object: "a table",
};

/** `["backends", 0, "url"]` → `backends[0].url`, the way TOML users think of it. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    out += typeof key === "number" ? `[${key}]` : out ? `.${String(key)}` : String(key);
  }
  return out || "(root)";
}

function describeValue(value: unknown, secret = false): string {
  if (secret) return `${describeType(value)} (a secret: not shown)`;
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "an array";
  if (isPlainObject(value)) return "a table";
  return String(value);
}

function describeType(value: unknown): string {
  if (typeof value === "string") return "a string";
  if (Array.isArray(value)) return "an array";
  if (isPlainObject(value)) return "a table";
  return typeof value === "object" ? "a date" : `a ${typeof value}`;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<PropertyKey, unknown>)[key as string];
  }
  return node;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}
