/** A counting semaphore whose waiters leave the queue when their signal aborts. */
export interface Limiter {
  acquire(signal: AbortSignal): Promise<() => void>
  readonly active: number
  readonly waiting: number
}

export function createLimiter(limit: number): Limiter {
  let active = 0
  const queue: Array<() => void> = []
  const release = () => {
    active--
    queue.shift()?.()
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
      return new Promise((resolve, reject) => {
        const grant = () => {
          signal.removeEventListener('abort', onAbort)
          active++
          resolve(once(release))
        }
        const onAbort = () => {
          const at = queue.indexOf(grant)
          if (at >= 0) queue.splice(at, 1)
          reject(signal.reason)
        }
        queue.push(grant)
        signal.addEventListener('abort', onAbort, { once: true })
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
