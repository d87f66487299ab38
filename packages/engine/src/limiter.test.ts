import { describe, expect, it } from 'vitest'
import { createLimiter } from './limiter.js'

const signal = () => new AbortController().signal

describe('createLimiter with weights', () => {
  it('admits holders while their weights fit, and the next in order when one leaves', async () => {
    const budget = createLimiter(10)
    const a = await budget.acquire(signal(), 6)
    const order: string[] = []
    const b = budget.acquire(signal(), 6).then((r) => {
      order.push('b')
      return r
    })
    // c would fit beside a, but b is first in line: light holders do not starve a heavy one
    const c = budget.acquire(signal(), 2).then((r) => {
      order.push('c')
      return r
    })
    await Promise.resolve()
    expect(budget.active).toBe(6)
    expect(budget.waiting).toBe(2)
    a()
    ;(await b)()
    ;(await c)()
    expect(order).toEqual(['b', 'c'])
    expect(budget.active).toBe(0)
  })

  it('lets a weight over the limit run alone instead of never', async () => {
    const budget = createLimiter(10)
    const small = await budget.acquire(signal(), 1)
    let started = false
    const big = budget.acquire(signal(), 50).then((r) => {
      started = true
      return r
    })
    await Promise.resolve()
    expect(started).toBe(false)
    small()
    const release = await big
    expect(budget.active).toBe(10)
    release()
    release()
    expect(budget.active).toBe(0)
  })

  it('drops an aborted waiter and starts the lighter ones behind it', async () => {
    const budget = createLimiter(10)
    const a = await budget.acquire(signal(), 8)
    const heavy = new AbortController()
    const b = budget.acquire(heavy.signal, 9)
    const c = budget.acquire(signal(), 2)
    heavy.abort(new Error('cancelled'))
    await expect(b).rejects.toThrow('cancelled')
    const release = await c
    expect(budget.active).toBe(10)
    release()
    a()
  })
})
