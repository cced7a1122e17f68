/**
 * A machine that sleeps and wakes on LAN, for the network tests: a mock Ollama on
 * `--host`/`--port` that goes to sleep on the line `sleep` (its server stops) and while asleep
 * listens for a magic packet on the broadcast address and UDP port it was given, bound there so
 * that only a datagram sent to exactly that address and port reaches it. A correct packet (six
 * 0xFF, then `--mac` sixteen times) wakes it: the server starts again on the same port.
 *
 *   ip netns exec NS bun tests/helpers/wake-box.ts --host 10.1.2.1 --port 11434 \
 *     --broadcast 10.1.2.255 --wake-port 9 --mac aa:bb:cc:dd:ee:ff --models llama3:8b
 *
 * Prints `awake http://HOST:PORT`, `asleep`, `magic packet mac=… from=…` (or `not a magic
 * packet …`), one per line.
 */
import { createSocket, type Socket } from "node:dgram";
import process from "node:process";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { loadRuntime, type ServerHandle } from "../../src/runtime/mod.ts";
import { macOfMagicPacket } from "../../src/wake/mod.ts";
import { createMockUpstream } from "../mock/mod.ts";
import type { RunningProcess } from "./processes.ts";
import { startProcess } from "./processes.ts";
import type { Host, HostPair } from "./netns.ts";

export interface WakeBoxOptions {
  readonly port: number;
  readonly broadcast: string;
  readonly wakePort: number;
  readonly mac: string;
  readonly models: readonly string[];
}

const BUN = new URL("../../node_modules/.bin/bun", import.meta.url).pathname;
const SELF = new URL(import.meta.url).pathname;

/** Starts the box awake in `host`; write `sleep\n` to its stdin to put it to sleep. */
export function startWakeBoxIn(
  pair: HostPair,
  host: Host,
  options: WakeBoxOptions,
): Promise<RunningProcess> {
  const [command, args] = pair.exec(host, BUN, [
    SELF,
    "--host",
    host.address,
    "--port",
    String(options.port),
    "--broadcast",
    options.broadcast,
    "--wake-port",
    String(options.wakePort),
    "--mac",
    options.mac,
    "--models",
    options.models.join(","),
  ]);
  return startProcess(command, args, {
    ready: /^awake (http:\/\/\S+)$/m,
    what: `the sleeping box in ${host.namespace}`,
    stdin: "pipe",
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: "string" },
      port: { type: "string" },
      broadcast: { type: "string" },
      "wake-port": { type: "string" },
      mac: { type: "string" },
      models: { type: "string" },
    },
  });
  const runtime = await loadRuntime();
  const host = values.host!;
  const port = Number(values.port);
  const mac = values.mac!.toLowerCase();
  const models = values.models!.split(",").map((id) => ({ id }));
  let server: ServerHandle | undefined;
  let listener: Socket | undefined;
  const say = (line: string) => process.stdout.write(`${line}\n`);

  const wake = async () => {
    const mock = createMockUpstream({ flavor: "ollama", models, chunks: 3 });
    server = await runtime.serve(mock.fetch, { hostname: host, port });
    say(`awake http://${host}:${server.port}`);
  };
  const sleep = async () => {
    await server?.stop(true);
    server = undefined;
    listener = createSocket({ type: "udp4", reuseAddr: true });
    listener.on("message", (data: Uint8Array, from: { address: string }) => {
      const target = macOfMagicPacket(new Uint8Array(data));
      if (target !== mac) {
        return say(`not a magic packet for ${mac} (${data.length} bytes from ${from.address})`);
      }
      say(`magic packet mac=${target} from=${from.address}`);
      listener?.close();
      listener = undefined;
      void wake();
    });
    // Bound to the broadcast address itself: only datagrams sent there (and to this port) arrive.
    await new Promise<void>((resolve) =>
      listener!.bind(Number(values["wake-port"]), values.broadcast!, resolve)
    );
    say("asleep");
  };

  await wake();
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    if (line.trim() === "sleep") void sleep();
  });
  lines.on("close", () => process.exit(0));
}

if (import.meta.main) await main();
