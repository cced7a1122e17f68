/**
 * An HTTP client living inside a network namespace, for tests in the root namespace that must
 * talk to a server only reachable in there. One process per test file: requests go in as JSON
 * lines on its stdin, answers come back as JSON lines on its stdout.
 *
 * As a process: `ip netns exec NS bun tests/helpers/netns-client.ts` (prints `ready`).
 */
import process from "node:process";
import { createInterface } from "node:readline";
import type { Host, HostPair } from "./netns.ts";
import { type RunningProcess, startProcess } from "./processes.ts";

export interface ClientRequest {
  readonly url: string;
  readonly method?: string;
  readonly body?: string;
}

export interface ClientResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface NamespaceClient {
  fetch(request: ClientRequest): Promise<ClientResponse>;
  close(): Promise<void>;
}

const BUN = new URL("../../node_modules/.bin/bun", import.meta.url).pathname;
const SELF = new URL(import.meta.url).pathname;

export async function startNamespaceClient(pair: HostPair, host: Host): Promise<NamespaceClient> {
  const [command, args] = pair.exec(host, BUN, [SELF]);
  const proc: RunningProcess = await startProcess(command, args, {
    ready: /^ready$/m,
    what: `the HTTP client in ${host.namespace}`,
    stdin: "pipe",
  });
  let nextId = 0;
  const pending = new Map<number, (reply: ClientResponse & { error?: string }) => void>();
  proc.onLine((line, stream) => {
    if (stream !== "stdout" || !line.startsWith("{")) return;
    const reply = JSON.parse(line) as ClientResponse & { id: number; error?: string };
    pending.get(reply.id)?.(reply);
    pending.delete(reply.id);
  });
  return {
    fetch(request) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, (reply) => (reply.error ? reject(new Error(reply.error)) : resolve(reply)));
        proc.child.stdin!.write(JSON.stringify({ id, ...request }) + "\n");
      });
    },
    async close() {
      proc.child.stdin!.end();
      await proc.stop();
    },
  };
}

if (import.meta.main) {
  const lines = createInterface({ input: process.stdin });
  lines.on("line", async (line) => {
    const { id, url, method, body } = JSON.parse(line) as ClientRequest & { id: number };
    try {
      const response = await fetch(url, {
        method: method ?? "GET",
        ...(body === undefined ? {} : { body, headers: { "content-type": "application/json" } }),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      const headers = Object.fromEntries(response.headers);
      process.stdout.write(
        JSON.stringify({ id, status: response.status, headers, body: text }) + "\n",
      );
    } catch (error) {
      process.stdout.write(JSON.stringify({ id, error: String(error) }) + "\n");
    }
  });
  lines.on("close", () => process.exit(0));
  process.stdout.write("ready\n");
}
