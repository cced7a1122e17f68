/** A loopback port nothing listens on: bound by a real server, then released. */
import { loadRuntime } from "../../src/runtime/mod.ts";

export async function closedPort(): Promise<number> {
  const runtime = await loadRuntime();
  const server = await runtime.serve(() => new Response(), { hostname: "127.0.0.1", port: 0 });
  await server.stop(true);
  return server.port;
}
