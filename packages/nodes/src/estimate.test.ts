import { describe, expect, it } from 'vitest'
import { estimateLines, estimateRun, learnStepTimes } from './estimate.js'

const doc = {
  nodes: {
    a: { type: 'sd.txt2img', params: { steps: 20, width: 512, height: 512, batch_size: 2 } },
    b: { type: 'sd.txt2img', params: { steps: 20, width: 1024, height: 512 } },
    s: { type: 'image.save', params: {} },
  },
}
const backends = [
  { id: 'rp', kind: 'runpod', pricePerImage: 0.00031 },
  { id: 'box', kind: 'a1111', pricePerSecond: 0.0002 },
]

describe('run estimate', () => {
  it('says "no history yet" before any run, and prices per image without history', () => {
    expect(estimateLines(estimateRun(doc, backends, {}))).toEqual([
      'images to generate: 3',
      'runpod: no history yet, est. $0.00093 ($0.00031/image)',
      'a1111: no history yet',
    ])
  })

  it('learns seconds per step from finished nodes and estimates GPU time and cost', () => {
    const history = learnStepTimes(
      {},
      doc,
      {
        a: { status: 'done', backend: 'box', meta: { gpuMs: 4000 } },
        b: { status: 'cached', backend: 'box', meta: { gpuMs: 9000 } },
      },
      (id) => backends.find((b) => b.id === id)?.kind,
    )
    // node a: 2 images x 20 steps = 40 units in 4 s
    expect(history).toEqual({ a1111: { seconds: 4, units: 40 } })
    expect(estimateLines(estimateRun(doc, backends, history))[2]).toBe(
      'a1111: 8.0 s GPU, est. $0.0016 ($0.00053/image)',
    )
  })

  it('counts one img2img request per image it is fed, through image tools between', () => {
    const chained = {
      nodes: {
        gen: { type: 'sd.txt2img', params: { steps: 10, batch_size: 4 } },
        small: {
          type: 'image.resize',
          params: { width: 256, height: 256 },
          inputs: { image: { node: 'gen', output: 'image' } },
        },
        again: {
          type: 'sd.img2img',
          params: { steps: 10, batch_size: 2 },
          inputs: { image: { node: 'small', output: 'image' } },
        },
      },
    }
    const e = estimateRun(chained, backends, { runpod: { seconds: 1, units: 10 } })
    expect(e.images).toBe(4 + 4 * 2)
    expect(e.kinds[0]?.seconds).toBeCloseTo((4 * 10 + 8 * 10) / 10)
  })

  it('prices sd.qr-illusion at its candidate budget, "up to", and learns from what it made', () => {
    const search = {
      nodes: {
        qr: { type: 'image.qr-code', params: { text: 'x' } },
        tune: {
          type: 'sd.qr-illusion',
          params: { steps: 20, max_attempts: 6 },
          inputs: { control: { node: 'qr', output: 'image' } },
        },
      },
    }
    expect(estimateLines(estimateRun(search, backends, {}))).toEqual([
      'images to generate: up to 6',
      'runpod: no history yet, est. $0.0019 ($0.00031/image)',
      'a1111: no history yet',
    ])
    const history = learnStepTimes(
      {},
      search,
      { tune: { status: 'done', backend: 'box', meta: { gpuMs: 3000, requests: 2 } } },
      (id) => backends.find((b) => b.id === id)?.kind,
    )
    expect(history).toEqual({ a1111: { seconds: 3, units: 40 } })
  })

  it('walks a 10,000-node chain without a deep stack', () => {
    const nodes: Record<string, unknown> = { n0: { type: 'sd.txt2img', params: { steps: 1 } } }
    for (let i = 1; i < 10_000; i++) {
      nodes[`n${i}`] = {
        type: 'sd.img2img',
        params: { steps: 1 },
        inputs: { image: { node: `n${i - 1}`, output: 'image' } },
      }
    }
    expect(estimateRun({ nodes }, backends, {}).images).toBe(10_000)
  })

  it('leaves out of a kind what it cannot run, and says so', () => {
    const mixed = {
      nodes: {
        gen: { type: 'sd.txt2img', params: { steps: 10 } },
        again: {
          type: 'sd.img2img',
          params: { steps: 10 },
          inputs: { image: { node: 'gen', output: 'image' } },
        },
      },
    }
    const pool = [
      {
        id: 'rp',
        kind: 'runpod',
        pricePerImage: 0.00031,
        capabilities: { operations: ['txt2img'] },
      },
      { id: 'box', kind: 'a1111', capabilities: { operations: ['txt2img', 'img2img', 'inpaint'] } },
    ]
    const e = estimateRun(mixed, pool, { runpod: { seconds: 1, units: 10 } })
    expect(e.images).toBe(2)
    expect(estimateLines(e)).toEqual([
      'images to generate: 2',
      'runpod: 1.0 s GPU, est. $0.00031 ($0.00031/image), cannot run again (img2img)',
      'a1111: no history yet',
    ])
  })
})
