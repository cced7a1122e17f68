/**
 * File operations both adapters share beyond reading and writing (node:fs is real on Bun and
 * Deno): rename (a corrupt state file moved aside), stat (doctor checks a config file's mode),
 * a recursive mkdir (the default state directory) and a directory watch.
 *
 * The watch is on the file's directory, filtered by name: editors save by writing a temporary
 * file and renaming it over the old one, which ends a watch on the old file's inode.
 * @module
 */
import { type FSWatcher, statSync, watch } from "node:fs";
import { mkdir, rename, stat } from "node:fs/promises";
import { mapNodeFileError } from "./node-errors.ts";
import type { FileInfo, FileWatch } from "./types.ts";

export async function renameFile(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    throw mapNodeFileError(error, from);
  }
}

export async function fileInfo(path: string): Promise<FileInfo> {
  try {
    const info = await stat(path);
    return { mode: info.mode & 0o7777, size: info.size, modifiedMs: info.mtimeMs };
  } catch (error) {
    throw mapNodeFileError(error, path);
  }
}

export async function makeDirectory(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (error) {
    throw mapNodeFileError(error, path);
  }
}

/**
 * Calls `onChange` whenever something happens to `path` (written, replaced, removed); several
 * calls per save are normal (the caller debounces). Throws RuntimeFileError when the directory
 * cannot be watched.
 */
export function watchFile(path: string, onChange: () => void): FileWatch {
  const slash = path.lastIndexOf("/");
  const dir = slash < 0 ? "." : slash === 0 ? "/" : path.slice(0, slash);
  const name = path.slice(slash + 1);
  let watcher: FSWatcher;
  try {
    // Deno reports a missing directory only later, as an error event: ask first.
    statSync(dir);
    watcher = watch(dir, { persistent: false }, (_event, changed) => {
      // Some platforms do not name the file: anything in the directory may be it.
      if (changed === null || changed === undefined || String(changed) === name) onChange();
    });
  } catch (error) {
    throw mapNodeFileError(error, dir);
  }
  // A watch that fails later (the directory removed) must not end the process.
  watcher.on("error", () => {});
  let closed = false;
  return {
    close() {
      if (closed) return;
      closed = true;
      watcher.close();
    },
  };
}
