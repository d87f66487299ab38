import { abortError } from './abortable.js'

export type Release = () => void

export interface FifoLock {
  /** Waits in arrival order; rejects with AbortError if `signal` aborts while waiting. */
  acquire(signal: AbortSignal): Promise<Release>
  readonly waiting: number
  readonly locked: boolean
}

interface Waiter {
  grant: () => void
}

/** One process-wide FIFO lock, like A1111's `queue_lock`. */
export function createFifoLock(): FifoLock {
  let locked = false
  const queue: Waiter[] = []

  const release = (): void => {
    const next = queue.shift()
    if (next) next.grant()
    else locked = false
  }

  const makeRelease = (): Release => {
    let released = false
    return () => {
      if (released) return
      released = true
      release()
    }
  }

  return {
    get waiting() {
      return queue.length
    },
    get locked() {
      return locked
    },
    acquire(signal) {
      if (signal.aborted) return Promise.reject(abortError())
      if (!locked) {
        locked = true
        return Promise.resolve(makeRelease())
      }
      return new Promise((resolve, reject) => {
        const waiter: Waiter = {
          grant: () => {
            signal.removeEventListener('abort', onAbort)
            resolve(makeRelease())
          },
        }
        const onAbort = (): void => {
          const i = queue.indexOf(waiter)
          if (i >= 0) queue.splice(i, 1)
          reject(abortError())
        }
        signal.addEventListener('abort', onAbort, { once: true })
        queue.push(waiter)
      })
    },
  }
}
