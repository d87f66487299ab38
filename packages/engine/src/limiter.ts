/**
 * A counting semaphore; waiters leave the queue when their signal aborts. Each acquire takes a
 * weight (1 by default; more than the limit counts as the whole limit, so it runs alone);
 * waiters are granted in order, so a heavy one is not starved by light ones behind it.
 */
export interface Limiter {
  acquire(signal: AbortSignal, weight?: number): Promise<() => void>
  readonly limit: number
  /** The weight held now. */
  readonly active: number
  readonly waiting: number
}

interface Waiter {
  signal: AbortSignal
  weight: number
  grant(): void
  reject(reason: unknown): void
}

export function createLimiter(limit: number): Limiter {
  let active = 0
  const queue: Waiter[] = []
  // one abort listener per signal, however many of its waiters are queued
  const watched = new WeakSet<AbortSignal>()

  const fits = (weight: number) => active === 0 || active + weight <= limit
  const drain = () => {
    for (let next = queue[0]; next && fits(next.weight); next = queue[0]) {
      queue.shift()
      next.grant()
    }
  }
  const releaser = (weight: number) =>
    once(() => {
      active -= weight
      drain()
    })
  const watch = (signal: AbortSignal) => {
    if (watched.has(signal)) return
    watched.add(signal)
    signal.addEventListener(
      'abort',
      () => {
        for (let i = queue.length - 1; i >= 0; i--) {
          const waiter = queue[i]
          if (waiter?.signal === signal) {
            queue.splice(i, 1)
            waiter.reject(signal.reason)
          }
        }
        // a heavy waiter leaving can let lighter ones behind it start
        drain()
      },
      { once: true },
    )
  }

  return {
    limit,
    get active() {
      return active
    },
    get waiting() {
      return queue.length
    },
    acquire(signal, weight = 1) {
      signal.throwIfAborted()
      const w = Math.min(Math.max(weight, 0), limit)
      if (queue.length === 0 && fits(w)) {
        active += w
        return Promise.resolve(releaser(w))
      }
      watch(signal)
      return new Promise((resolve, reject) => {
        queue.push({
          signal,
          weight: w,
          grant: () => {
            active += w
            resolve(releaser(w))
          },
          reject,
        })
      })
    },
  }
}

function once(fn: () => void): () => void {
  let done = false
  return () => {
    if (!done) {
      done = true
      fn()
    }
  }
}
