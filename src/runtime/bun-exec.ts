/**
 * Bun's fetch keeps at most 256 requests in flight per process and queues the rest, so a
 * gateway streaming to many clients would silently queue upstream requests. The limit comes
 * from BUN_CONFIG_MAX_HTTP_REQUESTS, which Bun reads once at startup (setting it later has no
 * effect, measured on Bun 1.4.5). So when it is unset, `nexus serve` replaces itself with the
 * same program and arguments plus that variable, through execve: same PID, same open files,
 * no second process — service managers see nothing.
 * @module
 */
import process from "node:process";
import { readFileSync } from "node:fs";

const VARIABLE = "BUN_CONFIG_MAX_HTTP_REQUESTS";
/** Bun's maximum for the variable. */
const LIMIT = "65535";

/** Returns undefined when the limit is already raised; otherwise re-executes, or says why it could not. */
export async function raiseFetchLimit(): Promise<string | undefined> {
  if (process.env[VARIABLE]) return undefined;
  const library = process.platform === "linux"
    ? "libc.so.6"
    : process.platform === "darwin"
    ? "libSystem.B.dylib"
    : undefined;
  if (!library) {
    return `cannot raise Bun's 256 concurrent upstream requests on ${process.platform}: set ${VARIABLE}=${LIMIT}`;
  }
  try {
    const { dlopen, FFIType, ptr } = await import("bun:ffi");
    const { symbols } = dlopen(library, {
      execve: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
    });
    const keep: Uint8Array[] = [];
    const cString = (text: string) => {
      const bytes = new TextEncoder().encode(text + "\0");
      keep.push(bytes);
      return ptr(bytes);
    };
    const pointerArray = (items: readonly string[]) => {
      const pointers = new BigUint64Array(items.length + 1);
      items.forEach((item, i) => (pointers[i] = BigInt(cString(item))));
      keep.push(new Uint8Array(pointers.buffer));
      return ptr(pointers);
    };
    const env = Object.entries({ ...process.env, [VARIABLE]: LIMIT }).map(([key, value]) =>
      `${key}=${value}`
    );
    symbols.execve(cString(process.execPath), pointerArray(ownArgv()), pointerArray(env));
    return `could not re-execute to raise Bun's 256 concurrent upstream requests: set ${VARIABLE}=${LIMIT}`;
  } catch (error) {
    return `could not raise Bun's 256 concurrent upstream requests (${
      error instanceof Error ? error.message : error
    }): set ${VARIABLE}=${LIMIT}`;
  }
}

/** The arguments exactly as the OS passed them (a compiled binary's process.argv has a virtual path). */
function ownArgv(): string[] {
  if (process.platform === "linux") {
    return readFileSync("/proc/self/cmdline", "latin1").split("\0").slice(0, -1);
  }
  const rest = process.argv[1]?.startsWith("/$bunfs/")
    ? process.argv.slice(2)
    : process.argv.slice(1);
  return [process.execPath, ...rest];
}
