/**
 * `nexus keys …` when no server answers: the same operations on the keys file (and the usage
 * file beside it) that the config names, through the same KeyStore the server uses. A server
 * started later reads the file; one running elsewhere would not see the change until it
 * restarts, so the command says which file it edited.
 * @module
 */
import { type KeyRecord, KeyStore, publicView, usageFileOf } from "../auth/mod.ts";
import { type ConfigFlags, loadConfig, writablePath } from "../config/mod.ts";
import { systemClock } from "../lib/clock.ts";
import { parseDuration } from "../lib/durations.ts";
import { NexusError } from "../lib/errors.ts";
import { Logger } from "../lib/logger.ts";
import { dayOf, daysBefore, UsageBook } from "../state/mod.ts";
import type { CommandContext } from "./spec.ts";

/** The config the keys commands go by (`-c`, NEXUS_CONFIG, ./nexus.toml, or the defaults). */
export function keysConfig(context: CommandContext) {
  const { runtime } = context;
  return loadConfig({
    runtime,
    env: runtime.env,
    flags: {
      ...(typeof context.values.config === "string" ? { config: context.values.config } : {}),
    } as
      & ConfigFlags
      & { config?: string },
  });
}

export async function offlineKeys(context: CommandContext) {
  const { runtime, stderr } = context;
  const { config, path } = await keysConfig(context);
  const file = writablePath(path, config.auth.keys_file, runtime.env);
  const logger = new Logger({ level: "warn", format: "pretty", write: stderr });
  const store = new KeyStore({ path: file, files: runtime, clock: systemClock, logger });
  await store.load();
  const note = (what: string) =>
    stderr(
      `No Nexus server answered: ${what} ${file} directly (a running server reads it when it starts).\n`,
    );
  const now = () => systemClock.now();
  return {
    async create(input: {
      name: string;
      models?: string[];
      rpm?: number;
      tpm?: number;
      concurrency?: number;
      expires_in?: string;
    }) {
      const ms = input.expires_in === undefined ? undefined : parseDuration(input.expires_in);
      const { key, record } = await store.create({
        ...input,
        expires_at: ms === undefined ? null : new Date(now() + ms).toISOString(),
      }).catch(rethrow);
      note("wrote the key's hash to");
      if (config.auth.mode !== "keys") {
        // Else the owner may think the server now asks for this key.
        const where = path === undefined
          ? "no config file, so [auth] mode is the default, off"
          : `${path} has [auth] mode = "off"`;
        stderr(`Keys are not checked yet: ${where}; set mode = "keys" and (re)start Nexus.\n`);
      }
      return { object: "nexus.key", key, ...publicView(record, now()) };
    },
    list() {
      note("read");
      return store.list().map((record: KeyRecord) => publicView(record, now()));
    },
    async revoke(name: string) {
      const record = await store.revoke(name).catch(rethrow);
      note("revoked the key in");
      return { object: "nexus.key", ...publicView(record, now()) };
    },
    async usage(sinceText: string, name: string | undefined) {
      const span = parseDuration(sinceText);
      if (span === undefined) {
        throw new NexusError(
          "E_USAGE",
          `Invalid --since "${sinceText}": expected a duration like 7d`,
        );
      }
      const book = new UsageBook({
        path: usageFileOf(file),
        files: runtime,
        clock: systemClock,
        logger,
      });
      await book.load();
      const since = daysBefore(dayOf(now()), Math.max(0, Math.ceil(span / 86_400_000) - 1));
      note("read the usage beside");
      return {
        object: "list",
        since,
        source: "local",
        data: book.localRows({ since, ...(name ? { key: name } : {}) }),
      };
    },
  };
}

function rethrow(error: unknown): never {
  throw error instanceof NexusError ? error : new NexusError("E_KEYS", String(error));
}
