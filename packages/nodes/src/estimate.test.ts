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
})
