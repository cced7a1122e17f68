/** Resolves true when `work` settles within `ms`, false when the deadline passes first. */
export function withDeadline(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<boolean>((
    resolve,
  ) => (timer = setTimeout(() => resolve(false), ms)));
  return Promise.race([work.then(() => true, () => true), deadline]).finally(() =>
    clearTimeout(timer)
  );
}
