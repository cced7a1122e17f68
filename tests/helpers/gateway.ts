/**
 * Starts a real gateway on a loopback port for integration tests, with backends put straight into
 * the registry in the state a test needs (healthy, with models), so tests do not wait for probes.
 */
import { validateConfig } from "../../src/config/mod.ts";
import { createGateway, type Gateway, type GatewayOptions } from "../../src/gateway.ts";
import { Logger } from "../../src/lib/logger.ts";
import type { BackendStatus, ModelInfo } from "../../src/registry/mod.ts";
import { loadRuntime } from "../../src/runtime/mod.ts";
import { recordingHandler, recordTranscript } from "./secrets.ts";

export interface TestBackend {
  readonly name: string;
  readonly url: string;
  readonly type?: string;
  readonly priority?: number;
  readonly api_key_env?: string;
  readonly forward_client_auth?: boolean;
  readonly max_concurrent?: number;
  /** `[[backends]] anthropic`: serves /v1/messages itself (true), or not (false). */
  readonly anthropic?: boolean;
  /** `[[backends]] wake` (Wake-on-LAN) and `prefer_wake`. */
  readonly wake?: Record<string, unknown>;
  readonly prefer_wake?: boolean;
  readonly status?: BackendStatus;
  /** Models put straight into the registry (marked healthy); omit to let health checks find out. */
  readonly models?: ReadonlyArray<string | ModelInfo>;
}

export interface RunningGateway {
  readonly url: string;
  readonly gateway: Gateway;
  /** Every log line so far, the request lines still in their batch included (flushed first). */
  readonly logs: string[];
  close(): Promise<void>;
}

export async function startGateway(
  backends: readonly TestBackend[],
  configInput: Record<string, unknown> = {},
  options: Partial<
    Pick<
      GatewayOptions,
      | "env"
      | "fetch"
      | "probeFetch"
      | "detectType"
      | "clock"
      | "tcpProbe"
      | "discovery"
      | "files"
      | "keysFile"
      | "openRedis"
      | "sendBroadcast"
      | "loadConfig"
      | "stateFile"
    >
  > = {},
): Promise<RunningGateway> {
  const { config } = validateConfig({
    ...configInput,
    // Discovery needs a socket (options.discovery) as well as the config switch.
    discovery: { enabled: false, ...(configInput.discovery as object) },
    backends: backends.map((
      {
        name,
        url,
        type,
        priority,
        api_key_env,
        forward_client_auth,
        max_concurrent,
        anthropic,
        wake,
        prefer_wake,
      },
    ) => ({
      name,
      url,
      ...(type ? { type } : {}),
      ...(priority === undefined ? {} : { priority }),
      ...(api_key_env ? { api_key_env } : {}),
      ...(forward_client_auth === undefined ? {} : { forward_client_auth }),
      ...(max_concurrent === undefined ? {} : { max_concurrent }),
      ...(anthropic === undefined ? {} : { anthropic }),
      ...(wake === undefined ? {} : { wake }),
      ...(prefer_wake === undefined ? {} : { prefer_wake }),
    })),
  });
  const logs: string[] = [];
  const logger = new Logger({ level: "debug", format: "json", write: (line) => logs.push(line) });
  const runtime = await loadRuntime();
  const gateway = createGateway({
    config,
    env: options.env ?? {},
    logger,
    fetch: runtime.fetch,
    // A test that fakes fetch fakes the probes' too.
    ...(options.fetch ? {} : { probeFetch: runtime.probeFetch }),
    tcpProbe: runtime.tcpProbe,
    ...options,
  });
  await gateway.prepare();
  for (const backend of backends) {
    if (!backend.models) continue;
    gateway.registry.setModels(
      backend.name,
      backend.models.map((m) => (typeof m === "string" ? { id: m, capabilities: {} } : m)),
    );
    gateway.registry.setStatus(backend.name, backend.status ?? "healthy");
  }
  // Every response and log line goes to the suite's transcript (secrets scan, npm test).
  const handler = recordingHandler("test gateway", gateway.fetch);
  const server = await runtime.serve(handler, { hostname: "127.0.0.1", port: 0 });
  return {
    url: `http://127.0.0.1:${server.port}`,
    gateway,
    get logs() {
      gateway.observability.flush();
      return logs;
    },
    async close() {
      await server.stop(true);
      gateway.observability.flush();
      recordTranscript("test gateway logs", logs.join(""));
    },
  };
}
