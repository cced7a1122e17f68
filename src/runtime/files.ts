/**
 * File writes both adapters share (node:fs is real on Bun and Deno): an atomic replace for files
 * that must never be seen half written (the keys file), and an append for logs kept on disk (the
 * usage file). Both create the file with the mode asked for (0600 for anything secret).
 * @module
 */
import { appendFile, chmod, open, rename, rm } from "node:fs/promises";
import { mapNodeFileError } from "./node-errors.ts";
import { RuntimeFileError } from "./types.ts";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const lenientUtf8 = new TextDecoder("utf-8");

/**
 * `bytes` as UTF-8 text (a leading BOM dropped), or a `not_utf8` RuntimeFileError naming `path`:
 * both runtimes' own text reads turn bad bytes into U+FFFD silently. `lenient` asks for that.
 */
export function decodeUtf8(bytes: Uint8Array, path: string, lenient = false): string {
  if (lenient) return lenientUtf8.decode(bytes);
  try {
    return strictUtf8.decode(bytes);
  } catch (error) {
    throw new RuntimeFileError("not_utf8", path, { cause: error });
  }
}

/** Writes `text` to a temporary file beside `path`, flushes it, then renames it over `path`. */
export async function writeFileAtomic(
  path: string,
  text: string,
  options: { mode?: number } = {},
): Promise<void> {
  const mode = options.mode ?? 0o644;
  const temporary = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    const handle = await open(temporary, "wx", mode);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    // The umask may have narrowed the mode at creation; never widened, but say it exactly.
    await chmod(temporary, mode);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => {});
    throw mapNodeFileError(error, path);
  }
}

/** Appends `text`, creating the file with `mode` when it does not exist. */
export async function appendTextFile(
  path: string,
  text: string,
  options: { mode?: number } = {},
): Promise<void> {
  try {
    await appendFile(path, text, { mode: options.mode ?? 0o644 });
  } catch (error) {
    throw mapNodeFileError(error, path);
  }
}
