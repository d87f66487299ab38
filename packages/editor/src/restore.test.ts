import type { NodeSpec, WorkflowDocument } from '@sdflow/protocol'
import { describe, expect, it } from 'vitest'
import { restoredDocument } from './restore.js'

const spec = {
  type: 'sd.txt2img',
  params: { properties: { prompt: { type: 'string' }, steps: { type: 'integer' } } },
} as unknown as NodeSpec
const specs = new Map([[spec.type, spec]])
const doc: WorkflowDocument = {
  format: 'sdflow.workflow/1',
  name: 'w',
  inputs: { prompt: { node: 'gen', param: 'prompt' }, steps: { node: 'gen', param: 'steps' } },
  nodes: { gen: { type: 'sd.txt2img', params: { prompt: 'a cat', steps: 20 } } },
}

describe('restoredDocument', () => {
  it('writes the run inputs onto the params they name, read as the param type', () => {
    const out = restoredDocument(doc, { prompt: 'a dog', steps: '30', other: 1 }, specs)
    expect(out.nodes.gen?.params).toEqual({ prompt: 'a dog', steps: 30 })
    expect(doc.nodes.gen?.params).toEqual({ prompt: 'a cat', steps: 20 })
  })

  it('a run without inputs restores its document as it ran', () => {
    expect(restoredDocument(doc, {}, specs)).toEqual(doc)
  })
})
