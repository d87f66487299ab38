import { describe, expect, it } from 'vitest'
import { at, broadcastLength, mapBatch } from './map-batch.js'

describe('mapBatch', () => {
  it('maps in order and stops between elements once the signal aborts', async () => {
    const controller = new AbortController()
    const seen: number[] = []
    const run = mapBatch([1, 2, 3, 4], controller.signal, async (n) => {
      seen.push(n)
      if (n === 2) controller.abort()
      return n * 10
    })
    await expect(run).rejects.toThrow()
    expect(seen).toEqual([1, 2])
    expect(await mapBatch([1, 2], new AbortController().signal, async (n) => n * 10)).toEqual([
      10, 20,
    ])
  })
})

describe('broadcastLength', () => {
  it('pairs equal batches and repeats a batch of one; names a batch that fits neither', () => {
    expect(broadcastLength({ a: [1, 2, 3], b: [1], c: undefined })).toEqual({ length: 3 })
    expect(broadcastLength({ a: [1, 2], b: [1, 2, 3] })).toEqual({ mismatch: 'a', length: 3 })
    expect(at(['only'], 2)).toBe('only')
    expect(at(['x', 'y'], 1)).toBe('y')
  })
})
