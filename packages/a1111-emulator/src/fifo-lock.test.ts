import { describe, expect, it } from 'vitest'
import { createFifoLock } from './fifo-lock.js'

describe('fifo lock', () => {
  it('grants in arrival order and drops aborted waiters', async () => {
    const lock = createFifoLock()
    const order: string[] = []
    const never = new AbortController().signal
    const first = await lock.acquire(never)
    const gone = new AbortController()
    const waiters = ['b', 'c'].map((name) =>
      lock.acquire(never).then((release) => {
        order.push(name)
        release()
      }),
    )
    const aborted = lock.acquire(gone.signal)
    gone.abort()
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' })
    expect(lock.waiting).toBe(2)
    first()
    await Promise.all(waiters)
    expect(order).toEqual(['b', 'c'])
    expect(lock.locked).toBe(false)
  })
})
