import { describe, expect, it } from 'vitest'
import { indexIssues, targetOf } from './issues.js'

describe('issues by pointer', () => {
  it('files issues under their node and field by JSON pointer', () => {
    expect(targetOf('/nodes/gen/params/steps')).toEqual({
      node: 'gen',
      field: { kind: 'params', name: 'steps' },
    })
    expect(targetOf('/nodes/a~1b/inputs/image/0')).toEqual({
      node: 'a/b',
      field: { kind: 'inputs', name: 'image' },
    })
    const index = indexIssues([
      { code: 'SDF_GRAPH_CYCLE', pointer: '/nodes/a', message: 'cycle', severity: 'error' },
      { code: 'SDF_DOC_SHAPE', pointer: '/name', message: 'name', severity: 'error' },
    ])
    expect(index.byNode.get('a')).toHaveLength(1)
    expect(index.general).toHaveLength(1)
  })
})
