/**
 * A hook on the end of a stream Nexus built itself, that costs nothing per chunk. Bun's idle limit
 * is put back as a streamed answer ends (src/runtime/bun-idle.ts); wrapping the body in another
 * stream to see its end made every chunk pass through one more stream. A stream whose source
 * says when it ends (a `Relay`, src/proxy/relay.ts) is marked here; the runtime adds its callback
 * to a marked stream and wraps only the others.
 * @module
 */

const hooks = new WeakMap<ReadableStream<Uint8Array>, Array<() => void>>();

/** Marks `stream`: its source calls `streamEnding` before it closes the stream normally. */
export function announcesEnd(stream: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  hooks.set(stream, []);
  return stream;
}

/**
 * Calls `callback` once the last chunk of `stream` has been handed over, before the stream closes
 * (not when it is cancelled or errors). False when `stream` is not marked: the caller must watch
 * its end itself.
 */
export function onStreamEnd(stream: ReadableStream<Uint8Array>, callback: () => void): boolean {
  const callbacks = hooks.get(stream);
  if (callbacks === undefined) return false;
  callbacks.push(callback);
  return true;
}

/** Called by a marked stream's source right before it closes the stream: runs the callbacks once. */
export function streamEnding(stream: ReadableStream<Uint8Array>): void {
  const callbacks = hooks.get(stream);
  if (callbacks === undefined) return;
  hooks.delete(stream);
  for (const callback of callbacks) {
    try {
      callback();
    } catch {
      // A hook's failure is its own: the stream still ends as it would have, whole.
    }
  }
}
