/** A counting semaphore; waiters leave the queue when their signal aborts. */
export interface Limiter {
  acquire(signal: AbortSignal): Promise<() => void>
  readonly active: number
  readonly waiting: number
}

interface Waiter {
  signal: AbortSignal
  grant(): void
  reject(reason: unknown): void
}

export function createLimiter(limit: number): Limiter {
  let active = 0
  const queue: Waiter[] = []
  // one abort listener per signal, however many of its waiters are queued
  const watched = new WeakSet<AbortSignal>()

  const release = () => {
    active--
    const next = queue.shift()
    if (next) next.grant()
  }
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
      },
      { once: true },
    )
  }

  return {
    get active() {
      return active
    },
    get waiting() {
      return queue.length
    },
    acquire(signal) {
      signal.throwIfAborted()
      if (active < limit) {
        active++
        return Promise.resolve(once(release))
      }
      watch(signal)
      return new Promise((resolve, reject) => {
        queue.push({
          signal,
          grant: () => {
            active++
            resolve(once(release))
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
