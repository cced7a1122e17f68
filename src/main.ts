/**
 * The `nexus` executable: pick the runtime adapter, run the CLI, exit with its code.
 * The only file with top-level effects.
 * @module
 */
import { runCli } from "./cli/mod.ts";
import { loadRuntime } from "./runtime/mod.ts";

const runtime = await loadRuntime();
runtime.exit(await runCli(runtime, runtime.args));
