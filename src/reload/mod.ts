/**
 * Config reload without a restart: the diff of two configs, the `Reloader` (read, validate,
 * apply, report; one at a time) and the debounced file watch.
 *
 * ```ts
 * const reloader = new Reloader({ logger, load: () => loadConfig(...), current, apply });
 * runtime.onSignal("SIGHUP", () => void reloader.reload("SIGHUP"));
 * ```
 * @module
 */
export {
  type BackendChange,
  type ConfigDiff,
  diffConfig,
  isEmptyDiff,
  RESTART_KEYS,
} from "./diff.ts";
export { rejectionHeadline, Reloader, type ReloaderDeps, type ReloadReport } from "./reloader.ts";
export { ConfigWatch, type ConfigWatchDeps, DEBOUNCE_MS } from "./watch.ts";
