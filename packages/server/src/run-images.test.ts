import { describe, expect, it } from 'vitest'
import { runImages } from './run-images.js'
import type { NodeRecord } from './run-store.js'

const ref = (c: string, width = 64) => ({
  hash: c.repeat(64),
  width,
  height: 32,
  mime: 'image/png',
})
const node = (id: string, rest: Partial<NodeRecord>): NodeRecord => ({
  id,
  status: 'done',
  files: [],
  attempts: 1,
  reused: false,
  ...rest,
})

describe('runImages', () => {
  const doc = {
    nodes: {
      gen: { type: 'sd.txt2img' },
      save: { type: 'image.save', inputs: { image: { node: 'gen', output: 'image' } } },
      qr: { type: 'image.qr-code' },
      unit: { type: 'sd.controlnet-unit', inputs: { image: [{ node: 'qr', output: 'image' }] } },
    },
  }
  const nodes = [
    node('qr', { outputs: { image: [ref('c')] } }),
    node('gen', {
      outputs: { image: [ref('a'), ref('b')], seeds: 5 },
      meta: { seeds: [5, 6], info: { prompt: 'a cat', all_prompts: ['a cat', 'a cat 2'] } },
    }),
    node('save', {
      outputs: { image: [ref('a'), ref('b')] },
      files: ['out-00001.png', 'out-00002.png'],
    }),
  ]

  it('reads the prompts from info as the backend wrote it (JSON text), as from an object', () => {
    const text = JSON.stringify({ prompt: 'a cat', all_prompts: ['a cat', 'a cat 2'] })
    const asText = nodes.map((n) =>
      n.id === 'gen' ? { ...n, meta: { ...n.meta, info: text } } : n,
    )
    expect(runImages(doc, asText)).toEqual(runImages(doc, nodes))
    expect(runImages(doc, asText).map((i) => i.prompt)).toEqual(['a cat', 'a cat 2'])
  })

  it('shows the images of nodes nothing reads, with file, seed and prompt of each', () => {
    expect(runImages(doc, nodes)).toEqual([
      {
        ...ref('a'),
        node: 'save',
        output: 'image',
        file: 'out-00001.png',
        seed: 5,
        prompt: 'a cat',
      },
      {
        ...ref('b'),
        node: 'save',
        output: 'image',
        file: 'out-00002.png',
        seed: 6,
        prompt: 'a cat 2',
      },
    ])
  })

  it('adds declared outputs, once per image', () => {
    const declared = { ...doc, outputs: { code: { node: 'qr', output: 'image' } } }
    expect(runImages(declared, nodes).map((i) => i.node)).toEqual(['qr', 'save', 'save'])
  })

  it('without a document, every node image once', () => {
    expect(runImages(undefined, nodes).map((i) => i.hash[0])).toEqual(['c', 'a', 'b'])
  })
})
