import type { NodeSpec } from '@sdflow/protocol'
import { describe, expect, it } from 'vitest'
import { searchNodes } from './node-search.js'

const spec = (
  type: string,
  title: string,
  category: string,
  description: string,
  io: Partial<NodeSpec> = {},
): NodeSpec => ({
  type,
  version: 1,
  title,
  category,
  description,
  params: {},
  inputs: {},
  outputs: {},
  resource: 'cpu',
  isOutput: false,
  ...io,
})
const specs = [
  spec('sd.txt2img', 'Text to image', 'generate', 'Generates images from a prompt', {
    inputs: { controlnet: { kind: 'controlnet', optional: true, multi: true, description: '' } },
    outputs: {
      image: { kind: 'image', description: '' },
      seeds: { kind: 'integer', description: '' },
    },
  }),
  spec('image.save', 'Save image', 'image', 'Writes PNG files', {
    inputs: { image: { kind: 'image', optional: false, multi: false, description: '' } },
    outputs: { image: { kind: 'image', description: '' } },
  }),
  spec('mask.invert', 'Invert mask', 'mask', 'Swaps white and black', {
    inputs: { mask: { kind: 'mask', optional: false, multi: false, description: '' } },
    outputs: { mask: { kind: 'mask', description: '' } },
  }),
] as NodeSpec[]
const types = (hits: ReturnType<typeof searchNodes>) => hits.map((h) => h.spec.type)

describe('searchNodes', () => {
  it('matches titles, type ids, categories and descriptions, titles first', () => {
    expect(types(searchNodes(specs, 'save'))).toEqual(['image.save'])
    expect(types(searchNodes(specs, 'txt2img'))).toEqual(['sd.txt2img'])
    expect(types(searchNodes(specs, 'mask'))).toEqual(['mask.invert'])
    expect(types(searchNodes(specs, 'png'))).toEqual(['image.save'])
    expect(types(searchNodes(specs, 'image'))).toEqual(['image.save', 'sd.txt2img'])
    expect(types(searchNodes(specs, ''))).toHaveLength(3)
  })

  it('keeps only nodes that connect to a dragged link, naming the socket', () => {
    const fromImage = { nodeId: 'gen', key: 'image', side: 'output', kind: 'image' } as const
    expect(searchNodes(specs, '', fromImage)).toEqual([{ spec: specs[1], socket: 'image' }])
    const toUnit = { nodeId: 'gen', key: 'controlnet', side: 'input', kind: 'controlnet' } as const
    expect(searchNodes(specs, '', toUnit)).toEqual([])
  })
})
