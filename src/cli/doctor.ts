/**
 * `nexus doctor`: one command that says what is wrong and how to fix it. It reads the config the
 * way `nexus serve` does, asks the running Nexus what it sees (`/health`, `/v1/backends`,
 * `/v1/models`), asks every backend a few questions directly, and checks this machine (the mDNS
 * socket, port 11434, the config file's permissions). One line per check with a verdict; under
 * each problem, its fix. `--json` prints the findings; the exit code is 1 when anything failed.
 * @module
 */
import { ConfigError, loadConfig, type LoadedConfig } from "../config/mod.ts";
import { describeError } from "../lib/errors.ts";
import type { Runtime } from "../runtime/mod.ts";
import { callNexus, DEFAULT_NEXUS_URL, nexusUrl } from "./client.ts";
import { backendFindings } from "./doctor-backends.ts";
import { offlineFindings } from "./doctor-offline.ts";
import type { DoctorBackend, DoctorModel } from "./doctor-types.ts";
import { modelReferenceFindings, permissionFinding } from "./doctor-config.ts";
import {
  discoveryFinding,
  mdnsSocketFinding,
  nexusFindings,
  ollamaPortFinding,
} from "./doctor-host.ts";
import { type Finding, finding, renderFindings } from "./doctor-report.ts";
import { json, styleFor } from "./output.ts";
import type { CommandContext, CommandHandler } from "./spec.ts";

const PROBE_TIMEOUT_MS = 5000;

export const doctorCommand: CommandHandler = async (context) => {
  const { runtime, values, stdout } = context;
  const findings: Finding[] = [];
  const loaded = await configFindings(context, findings);
  const config = loaded?.config;
  const base = doctorUrl(values.url, runtime, loaded);
  const now = () => Date.now();
  const token = runtime.env.NEXUS_ADMIN_TOKEN;
  const nexus = await nexusFindings(runtime, base, now, token);
  findings.push(...nexus.findings);
  // A keys-mode server shows its fleet to admins only: without that, nothing to check it by.
  const fleet = nexus.health?.backends !== undefined;
  const backends = fleet ? await fetchList<DoctorBackend>(base, "/v1/backends", token) : [];
  const models = fleet ? await fetchList<DoctorModel>(base, "/v1/models", token) : [];
  for (const backend of backends) {
    const configured = config?.backends.find((b) => b.name === backend.name);
    const keyVariable = configured?.api_key_env;
    const apiKey = keyVariable ? runtime.env[keyVariable] : undefined;
    findings.push(
      // The server shows a password in a URL as ***: this machine asks the URL the config gives.
      ...await backendFindings(configured ? { ...backend, url: configured.url } : backend, {
        fetch: (input, init) => runtime.probeFetch(input, init),
        ...(configured ? { configuredType: configured.type } : {}),
        models,
        ...(apiKey ? { apiKey } : {}),
        chat: values.chat === true,
        tools: values.tools === true,
        timeoutMs: PROBE_TIMEOUT_MS,
        now,
      }),
    );
  }
  if (config && !nexus.health) {
    // No Nexus to ask: what this machine can tell about the configured backends.
    const fetch = (input: string, init: RequestInit) => runtime.probeFetch(input, init);
    for (const backend of config.backends) {
      const apiKey = backend.api_key_env ? runtime.env[backend.api_key_env] : undefined;
      findings.push(
        ...await offlineFindings(backend, {
          fetch,
          timeoutMs: PROBE_TIMEOUT_MS,
          ...(apiKey ? { apiKey } : {}),
        }),
      );
    }
  }
  if (config && fleet) {
    const known = new Set(backends.flatMap((backend) => backend.models));
    const names = new Set(backends.map((backend) => backend.name));
    findings.push(...modelReferenceFindings(config, known, names));
  }
  if (config?.discovery.enabled !== false) {
    findings.push(await mdnsSocketFinding(runtime));
    if (fleet) findings.push(discoveryFinding(backends));
  }
  const port = await ollamaPortFinding(runtime, config, backends);
  if (port) findings.push(port);
  const failed = findings.some((f) => f.verdict === "fail");
  if (values.json) stdout(json({ ok: !failed, url: base, findings }));
  else stdout(renderFindings(findings, styleFor(runtime)));
  return failed ? 1 : 0;
};

/** The config (as `nexus serve` would load it), its validity and, with a token, its mode. */
async function configFindings(
  { runtime, values }: CommandContext,
  findings: Finding[],
): Promise<LoadedConfig | undefined> {
  let loaded: LoadedConfig;
  try {
    loaded = await loadConfig({
      runtime,
      env: runtime.env,
      flags: typeof values.config === "string" ? { config: values.config } : {},
    });
  } catch (error) {
    const issues = error instanceof ConfigError ? error.issues : [];
    findings.push(finding(
      "config",
      "config",
      "fail",
      issues.length > 0
        ? `invalid: ${issues.join("; ")}`
        : (error instanceof ConfigError ? error.message : describeError(error)),
      "fix the lines named (nexus config check shows them all)",
    ));
    return undefined;
  }
  const { path, config, warnings } = loaded;
  if (path === undefined) {
    findings.push(
      finding("config", "config", "skip", "no nexus.toml here: Nexus runs on defaults"),
    );
    return loaded;
  }
  findings.push(finding(
    "config",
    "config",
    warnings.length > 0 ? "warn" : "ok",
    warnings.length > 0 ? `${path}: ${warnings.join("; ")}` : `${path} is valid`,
  ));
  if (config.server.admin_token !== undefined) {
    const info = await runtime.fileInfo(path).catch(() => undefined);
    if (info) findings.push(permissionFinding(path, info.mode));
  }
  return loaded;
}

/** `--url`, NEXUS_URL, else this machine at the config's port. */
function doctorUrl(
  flag: string | boolean | undefined,
  runtime: Pick<Runtime, "env">,
  loaded: LoadedConfig | undefined,
): string {
  if (typeof flag === "string" || runtime.env.NEXUS_URL || loaded === undefined) {
    return nexusUrl(flag, runtime.env);
  }
  const { host, port } = loaded.config.server;
  const wildcard = host === "0.0.0.0" || host === "::" || host === "";
  if (wildcard && port === 8000) return DEFAULT_NEXUS_URL;
  const name = wildcard ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  return `http://${name}:${port}`;
}

async function fetchList<T>(base: string, path: string, token?: string): Promise<T[]> {
  try {
    const { status, body } = await callNexus(base, path, token ? { token } : {});
    return status === 200 ? ((body as { data?: T[] }).data ?? []) : [];
  } catch {
    return [];
  }
}
