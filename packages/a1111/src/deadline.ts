/**
 * A time limit that can be moved on: `onExpire` runs once `ms` have passed since it was made or
 * last extended. A generation waiting in A1111's queue behind another job extends its own, so
 * requestMs bounds the job from when it could start, not from when it was sent ahead.
 */
export function createDeadline(
  ms: number,
  onExpire: () => void,
): { extend(aheadMs?: number): void; stop(): void } {
  let from = Date.now()
  let timer: NodeJS.Timeout | undefined
  const arm = (wait: number) => {
    timer = setTimeout(() => {
      const left = from + ms - Date.now()
      if (left > 0) arm(left)
      else onExpire()
    }, wait)
    timer.unref()
  }
  arm(ms)
  return {
    /** Count from now, or from `aheadMs` later (still waiting at least until the next look). */
    extend: (aheadMs = 0) => {
      from = Math.max(from, Date.now() + aheadMs)
    },
    stop: () => clearTimeout(timer),
  }
}
