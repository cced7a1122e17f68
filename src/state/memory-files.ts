/** Files kept in memory: for a gateway built as a library without a runtime's file system. */
import { RuntimeFileError } from "../runtime/mod.ts";
import type { StateFiles } from "./usage-book.ts";

export function memoryFiles(files = new Map<string, string>()): StateFiles {
  return {
    readTextFile(path) {
      const text = files.get(path);
      return text === undefined
        ? Promise.reject(new RuntimeFileError("not_found", path))
        : Promise.resolve(text);
    },
    writeFileAtomic(path, text) {
      files.set(path, text);
      return Promise.resolve();
    },
    appendTextFile(path, text) {
      files.set(path, (files.get(path) ?? "") + text);
      return Promise.resolve();
    },
  };
}
