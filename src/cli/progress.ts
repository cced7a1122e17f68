/**
 * A one-line "still working" notice for waits a person would otherwise sit through in silence
 * (type detection against a silent server takes the whole probe timeout). Only on a terminal:
 * pipes and scripts get no control characters. The line is erased when the wait ends, so the
 * answer that follows stands alone.
 * @module
 */
import { type Clock, systemClock, type TimerHandle } from "../lib/clock.ts";

export interface Progress {
  stop(): void;
}

const SILENT: Progress = { stop() {} };

export function startProgress(
  tty: boolean,
  write: (text: string) => void,
  text: string,
  clock: Clock = systemClock,
): Progress {
  if (!tty) return SILENT;
  const started = clock.monotonic();
  write(`${text} …`);
  let timer: TimerHandle | undefined;
  const tick = () => {
    const seconds = Math.round((clock.monotonic() - started) / 1000);
    write(`\r\x1b[K${text} … ${seconds} s`);
    timer = clock.setTimeout(tick, 1000);
  };
  timer = clock.setTimeout(tick, 1000);
  return {
    stop() {
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      write("\r\x1b[K");
    },
  };
}
