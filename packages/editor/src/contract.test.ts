import { describe, expect, it } from 'vitest'
import { expose, exposedName, renameInContract } from './contract.js'
import type { WorkflowMeta } from './document.js'

const meta: WorkflowMeta = { format: 'sdflow.workflow/1', name: 'w' }

describe('the workflow contract', () => {
  it('exposes a param and an output under a name, renames and unexposes them', () => {
    let m = expose(meta, 'inputs', 'gen', 'prompt', 'prompt')
    m = expose(m, 'outputs', 'qr', 'image', 'code')
    expect(m.inputs).toEqual({ prompt: { node: 'gen', param: 'prompt' } })
    expect(m.outputs).toEqual({ code: { node: 'qr', output: 'image' } })
    expect(exposedName(m, 'outputs', 'qr', 'image')).toBe('code')
    m = expose(m, 'outputs', 'qr', 'image', 'qr')
    expect(m.outputs).toEqual({ qr: { node: 'qr', output: 'image' } })
    m = renameInContract(m, 'qr', 'code')
    expect(m.outputs).toEqual({ qr: { node: 'code', output: 'image' } })
    m = expose(m, 'outputs', 'code', 'image', '')
    expect(m.outputs).toBeUndefined()
    expect(exposedName(m, 'inputs', 'gen', 'prompt')).toBe('prompt')
  })
})
