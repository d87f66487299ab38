import { describe, expect, it } from 'vitest'
import { costLine, money, runCost } from './cost.js'

const image = (n: number) => ({ image: Array.from({ length: n }, () => ({})) })

describe('runCost', () => {
  const nodes = {
    qr: { status: 'done', outputs: image(1) },
    gen: {
      status: 'done',
      backend: 'a',
      outputs: image(2),
      meta: { gpuMs: 8000, queueMs: 200, attempts: 2, requests: 1 },
    },
    tune: {
      status: 'done',
      backend: 'b',
      outputs: image(1),
      meta: {
        gpuMs: 4000,
        queueMs: 100,
        attempts: 3,
        requests: 3,
        gpuByBackend: { a: 1000, b: 3000 },
      },
    },
    old: { status: 'cached', backend: 'a', meta: { gpuMs: 99999, attempts: 5 } },
    save: { status: 'done', files: ['/o/x-00001.png', '/o/x-00002.png'] },
  }

  it('sums GPU time, queue wait and retries of the nodes that ran, and prices them', () => {
    const c = runCost(nodes, { a: 0.001, b: 0.002 })
    expect(c).toMatchObject({ gpuMs: 12000, queueMs: 300, retries: 1, images: 2 })
    expect(c.nodes.gen?.cost).toBeCloseTo(0.008)
    expect(c.nodes.tune?.cost).toBeCloseTo(0.001 + 0.006)
    expect(c.cost).toBeCloseTo(0.015)
    expect(c.costPerImage).toBeCloseTo(0.0075)
    expect(costLine(c)).toBe('GPU 12.0 s, queue 0.3 s, 1 retry, est. $0.015 ($0.0075/image)')
  })

  it('gives no price when a backend that worked has none, and counts made images without files', () => {
    const { save: _, ...unsaved } = nodes
    const c = runCost(unsaved, { a: 0.001 })
    expect(c.cost).toBeUndefined()
    expect(c.images).toBe(3)
    expect(costLine(c)).toBe('GPU 12.0 s, queue 0.3 s, 1 retry')
  })

  it('prints per-image prices with their significant digits, never $0.0000', () => {
    expect([0.00031, 0.0075, 0.015, 0.5, 3.1e-7, 2.345].map(money)).toEqual([
      '$0.00031',
      '$0.0075',
      '$0.015',
      '$0.5',
      '$0.00000031',
      '$2.35',
    ])
  })

  it('prints cents when rounding carries an amount up to a dollar', () => {
    expect([0.996, 0.9999, 0.00995, 1].map(money)).toEqual(['$1.00', '$1.00', '$0.01', '$1.00'])
  })

  it('bills a backend priced per image by the images it made', () => {
    const c = runCost(
      {
        gen: {
          status: 'done',
          backend: 'rp',
          outputs: { image: [{}, {}] },
          meta: { gpuMs: 4000, queueMs: 900, attempts: 1, requests: 1 },
        },
      },
      {},
      { rp: 0.00031 },
    )
    expect(costLine(c)).toBe('GPU 4.0 s, queue 0.9 s, 0 retries, est. $0.00062 ($0.00031/image)')
  })
})
