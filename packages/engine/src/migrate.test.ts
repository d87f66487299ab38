import { Type } from 'typebox'
import { describe, expect, it } from 'vitest'
import { defineNode } from './define-node.js'
import { createRegistry } from './registry.js'
import { validate } from './validate.js'

// version 1 had `size`; version 2 renamed it `width` and added `height`
const resized = defineNode({
  type: 'test.resized',
  version: 2,
  title: 'Resized',
  category: 'test',
  description: 'A node whose params changed shape.',
  params: Type.Object({
    width: Type.Integer({ minimum: 1 }),
    height: Type.Integer({ minimum: 1, default: 64 }),
  }),
  inputs: {},
  outputs: { width: 'integer' },
  isOutput: true,
  migrate(from, params) {
    if (from !== 1) throw new Error(`no migration from ${from}`)
    const { size, ...rest } = params
    return { ...rest, width: size }
  },
  async execute({ params }) {
    return { width: params.width }
  },
})
const rigid = defineNode({ ...resized, type: 'test.rigid', migrate: undefined })
const registry = createRegistry([resized, rigid])
const doc = (node: object) => ({ format: 'sdflow.workflow/1', name: 'm', nodes: { n: node } })

describe('node versions', () => {
  it('migrates params written for an older version (a document without version is 1)', () => {
    const result = validate(doc({ type: 'test.resized', params: { size: 30 } }), registry)
    expect(result.issues).toEqual([])
    expect(result.workflow?.nodes.get('n')?.params).toEqual({ width: 30, height: 64 })
  })

  it('takes params of the current version as they are', () => {
    const result = validate(
      doc({ type: 'test.resized', version: 2, params: { width: 8 } }),
      registry,
    )
    expect(result.workflow?.nodes.get('n')?.params).toEqual({ width: 8, height: 64 })
  })

  it('refuses a version newer than the node type, and an old one it cannot migrate', () => {
    const newer = validate(doc({ type: 'test.resized', version: 3, params: {} }), registry)
    expect(newer.issues.map((i) => [i.code, i.pointer])).toEqual([
      ['SDF_NODE_UNSUPPORTED_VERSION', '/nodes/n/version'],
    ])
    const old = validate(doc({ type: 'test.rigid', params: { size: 3 } }), registry)
    expect(old.issues.map((i) => [i.code, i.pointer])).toEqual([
      ['SDF_NODE_UNSUPPORTED_VERSION', '/nodes/n/version'],
    ])
  })
})
