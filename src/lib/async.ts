import type { Clock, TimerHandle } from "./clock.ts";

/** Resolves true when `work` settles within `ms`, false when the deadline passes first. */
export function withDeadline(work: Promise<unknown>, ms: number, clock: Clock): Promise<boolean> {
  let timer: TimerHandle | undefined;
  const deadline = new Promise<boolean>((resolve) => {
    timer = clock.setTimeout(() => resolve(false), ms);
  });
  return Promise.race([work.then(() => true, () => true), deadline]).finally(() =>
    clock.clearTimeout(timer!)
  );
}
