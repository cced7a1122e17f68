/**
 * `nexus doctor`'s checks of the config against what the fleet lists (pure): every alias,
 * fallback and preload must name a model some backend lists, a backend URL must not end in
 * `/v1`, and a config file holding `admin_token` must not be readable by others.
 * @module
 */
import type { NexusConfig } from "../config/mod.ts";
import { endsWithV1, redactUrl, V1_HINT, withoutV1 } from "../lib/urls.ts";
import { type Finding, finding } from "./doctor-report.ts";

/** Models shown in a fix as examples of what does exist. */
const SAMPLE = 5;

/** Whether `name` is listed, with Ollama's rule that `llama3` means `llama3:latest`. */
export function isListed(known: ReadonlySet<string>, name: string): boolean {
  if (known.has(name)) return true;
  if (!name.includes(":")) return known.has(`${name}:latest`);
  return name.endsWith(":latest") && known.has(name.slice(0, -":latest".length));
}

/** Aliases, fallbacks and preloads that name a model no backend lists. */
export function modelReferenceFindings(
  config: NexusConfig,
  known: ReadonlySet<string>,
  backendNames: ReadonlySet<string>,
): Finding[] {
  const findings: Finding[] = [];
  const aliases = config.routing.aliases;
  const resolve = (name: string) => {
    let model = name;
    for (let hop = 0; hop < 4 && aliases[model] !== undefined; hop++) model = aliases[model]!;
    return model;
  };
  const sample = [...known].sort().slice(0, SAMPLE).join(", ") || "none listed";
  const missing = (kind: string, subject: string, what: string, model: string) =>
    finding(
      kind,
      subject,
      "fail",
      `${what}: no backend lists "${model}"`,
      `pull it on a backend (ollama pull ${model}) or name a model that exists (${sample})`,
    );
  let checked = 0;
  for (const [name, target] of Object.entries(aliases)) {
    const model = resolve(target);
    checked++;
    if (!isListed(known, model)) {
      findings.push(missing("alias", `alias ${name}`, `"${name}" → "${model}"`, model));
    }
  }
  for (const [primary, chain] of Object.entries(config.routing.fallbacks)) {
    for (const entry of chain) {
      const model = resolve(entry);
      checked++;
      if (!isListed(known, model)) {
        findings.push(
          missing(
            "fallback",
            `fallback ${primary}`,
            `"${primary}" falls back to "${model}"`,
            model,
          ),
        );
      }
    }
  }
  for (const entry of config.preload) {
    const model = resolve(entry.model);
    checked++;
    if (!isListed(known, model)) {
      findings.push(missing("preload", `preload ${entry.model}`, `preload "${model}"`, model));
    }
    if (entry.backend !== undefined && !backendNames.has(entry.backend)) {
      findings.push(finding(
        "preload",
        `preload ${entry.model}`,
        "fail",
        `preload names backend "${entry.backend}", which Nexus does not have`,
        `use one of: ${[...backendNames].join(", ") || "(no backends)"}, or drop backend =`,
      ));
    }
  }
  if (checked > 0 && findings.length === 0) {
    findings.push(finding(
      "models",
      "config",
      "ok",
      `every alias, fallback and preload names a model a backend lists (${checked})`,
    ));
  }
  return findings;
}

/** A backend URL ending in /v1 (a client's base URL pasted in): the most common mistake. */
export function v1Finding(name: string, url: string): Finding | undefined {
  if (!endsWithV1(url)) return undefined;
  return finding(
    "v1_url",
    name,
    "fail",
    `URL ${redactUrl(url)} ends in /v1, so Nexus calls ${redactUrl(url)}/v1/chat/completions`,
    `url = "${redactUrl(withoutV1(url))}" (${V1_HINT})`,
  );
}

/** Whether a config holding `admin_token` is readable by other users (`mode`: permission bits). */
export function permissionFinding(path: string, mode: number): Finding {
  const octal = (mode & 0o777).toString(8).padStart(3, "0");
  if ((mode & 0o077) === 0) {
    return finding(
      "permissions",
      "config",
      "ok",
      `${path} holds admin_token and is private (${octal})`,
    );
  }
  return finding(
    "permissions",
    "config",
    "fail",
    `${path} holds admin_token and other users may read it (mode ${octal})`,
    `chmod 600 ${path}`,
  );
}
