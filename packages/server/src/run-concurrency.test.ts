import { describe, expect, it } from 'vitest'
import { defaultConcurrency } from './run-concurrency.js'

const backend = (health: 'up' | 'down' | 'unknown', slots = 1, queueAhead = 1) => ({
  health,
  slots,
  queueAhead,
})

describe('defaultConcurrency', () => {
  it('runs as many at once as the healthy backends take jobs, queued-ahead requests included', () => {
    const four = [backend('up'), backend('up'), backend('up'), backend('unknown', 2, 0)]
    expect(defaultConcurrency({ list: () => four })).toBe(8)
  })

  it('leaves out backends that are down', () => {
    const pool = { list: () => [backend('up'), backend('down'), backend('up'), backend('up')] }
    expect(defaultConcurrency(pool)).toBe(6)
  })

  it('never runs fewer than two at once, with one backend, none up, or no pool', () => {
    expect(defaultConcurrency({ list: () => [backend('up', 1, 0)] })).toBe(2)
    expect(defaultConcurrency({ list: () => [backend('down')] })).toBe(2)
    expect(defaultConcurrency(undefined)).toBe(2)
  })
})
