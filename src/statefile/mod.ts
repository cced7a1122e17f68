/**
 * The state file: backends added at run time, kept across restarts (`[server] state_file`).
 *
 * ```ts
 * const state = new StateFile({ path, files: runtime, clock, logger });
 * await state.load();          // a corrupt file is moved aside
 * state.restore(registry);     // after the config's backends: the config wins
 * state.attach(registry);      // written (atomically) whenever a run-time backend changes
 * ```
 * @module
 */
export {
  parseState,
  rememberedModels,
  serialise,
  STATE_VERSION,
  type StoredBackend,
  type StoredState,
} from "./format.ts";
export { StateFile, type StateFileDeps, type StateFiles } from "./state-file.ts";
