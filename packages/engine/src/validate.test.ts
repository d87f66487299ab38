import { describe, expect, it } from 'vitest'
import { testRegistry, workflow } from './nodes.test-support.js'
import { validate } from './validate.js'

const registry = testRegistry()
const codes = (doc: unknown, inputs?: Record<string, unknown>) =>
  validate(doc, registry, { inputs }).issues.map((i) => [i.code, i.pointer])

const one = { type: 'test.const', params: { value: 2 } }
const sinkOf = (node: string, output = 'value') => ({
  type: 'test.sink',
  inputs: { value: { node, output } },
})

describe('validate', () => {
  it('accepts a valid workflow and defaults its params', () => {
    const result = validate(workflow({ a: { type: 'test.const' }, s: sinkOf('a') }), registry)
    expect(result.issues).toEqual([])
    expect(result.workflow?.nodes.get('a')?.params).toEqual({ value: 1 })
  })

  it('refuses what is not a workflow object', () => {
    expect(codes([])).toEqual([['SDF_DOC_SHAPE', '']])
    expect(codes('x')).toEqual([['SDF_DOC_SHAPE', '']])
  })

  it('names the format it reads when the format is wrong', () => {
    const [issue] = validate({ ...workflow({}), format: 'comfy' }, registry).issues
    expect(issue).toMatchObject({ code: 'SDF_DOC_SHAPE', pointer: '/format' })
    expect(issue?.message).toContain('sdflow.workflow/1')
  })

  it('reports shape problems with their pointers', () => {
    expect(codes({ format: 'sdflow.workflow/1', name: 'x' })).toEqual([['SDF_DOC_SHAPE', '/nodes']])
    expect(codes({ ...workflow({}), colour: 'red' })).toEqual([['SDF_DOC_SHAPE', '/colour']])
    expect(codes(workflow({ a: { params: {} } }))).toEqual([['SDF_DOC_SHAPE', '/nodes/a/type']])
  })

  it('reports a malformed link with the errors of the schema as written', () => {
    const doc = workflow({ s: { type: 'test.sink', inputs: { value: [{ node: 1 }] } } })
    expect(validate(doc, registry).issues.map((i) => [i.pointer, i.message])).toEqual([
      ['/nodes/s/inputs/value', 'value must be object'],
      ['/nodes/s/inputs/value/0/output', '"output" is required'],
      ['/nodes/s/inputs/value/0/node', 'node must be string'],
    ])
  })

  it('reports an unknown node type and suggests the closest', () => {
    const [issue] = validate(workflow({ a: { type: 'test.cosnt' } }), registry).issues
    expect(issue).toMatchObject({ code: 'SDF_NODE_UNKNOWN_TYPE', pointer: '/nodes/a/type' })
    expect(issue?.message).toContain('"test.const"')
  })

  it('reports unknown, missing, out-of-range and mistyped params', () => {
    const doc = workflow({
      a: { type: 'test.const', params: { value: 5000, colour: 1 } },
      b: { type: 'test.const', params: { value: 'x' } },
      t: { type: 'test.text' },
      s: sinkOf('a'),
    })
    expect(codes(doc)).toEqual([
      ['SDF_PARAM_UNKNOWN', '/nodes/a/params/colour'],
      ['SDF_PARAM_OUT_OF_RANGE', '/nodes/a/params/value'],
      ['SDF_PARAM_INVALID', '/nodes/b/params/value'],
      ['SDF_PARAM_MISSING', '/nodes/t/params/text'],
    ])
  })

  it('reports links to missing nodes and outputs', () => {
    const doc = workflow({ a: one, s: sinkOf('nope'), s2: sinkOf('a', 'sum') })
    expect(codes(doc)).toEqual([
      ['SDF_LINK_MISSING_NODE', '/nodes/s/inputs/value/node'],
      ['SDF_LINK_MISSING_OUTPUT', '/nodes/s2/inputs/value/output'],
    ])
  })

  it('names both kinds when sockets cannot connect', () => {
    const doc = workflow({
      t: { type: 'test.text', params: { text: 'x' } },
      s: sinkOf('t', 'text'),
    })
    const [issue] = validate(doc, registry).issues
    expect(issue).toMatchObject({
      code: 'SDF_LINK_KIND_MISMATCH',
      pointer: '/nodes/s/inputs/value',
    })
    expect(issue?.message).toContain('(string)')
    expect(issue?.message).toContain('(number)')
  })

  it('lets an integer feed a number input', () => {
    expect(codes(workflow({ a: one, s: sinkOf('a') }))).toEqual([])
  })

  it('reports required inputs, unknown inputs and extra links', () => {
    const doc = workflow({
      a: one,
      s: {
        type: 'test.sink',
        inputs: {
          value: [
            { node: 'a', output: 'value' },
            { node: 'a', output: 'value' },
          ],
          extra: { node: 'a', output: 'value' },
        },
      },
      s2: { type: 'test.sink' },
    })
    expect(codes(doc)).toEqual([
      ['SDF_INPUT_MULTIPLE_LINKS', '/nodes/s/inputs/value'],
      ['SDF_INPUT_UNKNOWN', '/nodes/s/inputs/extra'],
      ['SDF_INPUT_REQUIRED', '/nodes/s2/inputs/value'],
    ])
  })

  it('points into the list of a multi input', () => {
    const doc = workflow({
      a: one,
      sum: {
        type: 'test.add',
        inputs: {
          a: { node: 'a', output: 'value' },
          more: [
            { node: 'a', output: 'value' },
            { node: 'zz', output: 'value' },
          ],
        },
      },
      s: sinkOf('sum', 'sum'),
    })
    expect(codes(doc)).toEqual([['SDF_LINK_MISSING_NODE', '/nodes/sum/inputs/more/1/node']])
  })

  it('names every node of a cycle', () => {
    const link = (node: string) => ({ a: { node, output: 'sum' } })
    const doc = workflow({
      x: { type: 'test.add', inputs: link('z') },
      y: { type: 'test.add', inputs: link('x') },
      z: { type: 'test.add', inputs: link('y') },
      s: sinkOf('z', 'sum'),
    })
    const issues = validate(doc, registry).issues
    expect(issues.map((i) => [i.code, i.pointer])).toEqual([
      ['SDF_GRAPH_CYCLE', '/nodes/x/inputs/a'],
    ])
    expect(issues[0]?.message).toBe('nodes "x", "y", "z" form a cycle; remove one of their links')
  })

  it('reports a node that feeds itself', () => {
    const doc = workflow({ x: { type: 'test.add', inputs: { a: { node: 'x', output: 'sum' } } } })
    expect(codes(doc)).toContainEqual(['SDF_GRAPH_CYCLE', '/nodes/x/inputs/a'])
  })

  it('reports workflow inputs and outputs that point at nothing', () => {
    const doc = workflow(
      { a: one, s: sinkOf('a') },
      {
        inputs: { v: { node: 'ghost', param: 'value' }, w: { node: 'a', param: 'nope' } },
        outputs: { out: { node: 'ghost', output: 'value' }, out2: { node: 'a', output: 'nope' } },
      },
    )
    expect(codes(doc)).toEqual([
      ['SDF_WORKFLOW_INPUT_TARGET', '/inputs/v/node'],
      ['SDF_WORKFLOW_INPUT_TARGET', '/inputs/w/param'],
      ['SDF_WORKFLOW_OUTPUT_TARGET', '/outputs/out/node'],
      ['SDF_WORKFLOW_OUTPUT_TARGET', '/outputs/out2/output'],
    ])
  })

  it('applies workflow inputs, read as the param type, and refuses unknown ones', () => {
    const doc = workflow(
      { a: one, s: sinkOf('a') },
      { inputs: { v: { node: 'a', param: 'value' } } },
    )
    const result = validate(doc, registry, { inputs: { v: '42' } })
    expect(result.workflow?.nodes.get('a')?.params).toEqual({ value: 42 })
    expect(codes(doc, { colour: 'red' })).toEqual([
      ['SDF_WORKFLOW_INPUT_UNKNOWN', '/inputs/colour'],
    ])
    expect(codes(doc, { v: '5000' })).toEqual([['SDF_PARAM_OUT_OF_RANGE', '/nodes/a/params/value']])
  })

  it('warns, without failing, when nothing is declared as output', () => {
    const result = validate(workflow({ a: one }), registry)
    expect(result.issues).toMatchObject([{ code: 'SDF_GRAPH_NOTHING_TO_RUN', severity: 'warning' }])
    expect(result.workflow).toBeDefined()
  })

  it('collects every issue of a document at once', () => {
    const doc = workflow({
      a: { type: 'test.const', params: { value: 'x' } },
      b: { type: 'nope' },
      s: sinkOf('missing'),
    })
    expect(codes(doc).map(([c]) => c)).toEqual([
      'SDF_PARAM_INVALID',
      'SDF_NODE_UNKNOWN_TYPE',
      'SDF_LINK_MISSING_NODE',
    ])
  })

  it('refuses values nested too deep, before their shape, wherever they are', () => {
    const nest = (levels: number): unknown => (levels === 0 ? 1 : [nest(levels - 1)])
    const inParams = workflow({ a: { type: 'test.const', params: { value: 1, x: nest(70) } } })
    expect(codes(inParams)).toEqual([
      ['SDF_DOC_TOO_DEEP', expect.stringMatching(/^\/nodes\/a\/params\/x\//)],
    ])
    const inUi = workflow({ a: { type: 'test.const', ui: { x: nest(70) } } })
    expect(codes(inUi)).toEqual([
      ['SDF_DOC_TOO_DEEP', expect.stringMatching(/^\/nodes\/a\/ui\/x\//)],
    ])
    const unknownKey = { ...workflow({ a: one }), extra: nest(70) }
    expect(codes(unknownKey)).toEqual([['SDF_DOC_TOO_DEEP', expect.stringMatching(/^\/extra\//)]])
    const inInputs = codes(workflow({ a: one }), { v: nest(70) })
    expect(inInputs).toEqual([['SDF_DOC_TOO_DEEP', expect.stringMatching(/^\/inputs\/v\//)]])
    // /nodes/a/params/x at depth 4: nesting up to the limit is still a workflow
    const atLimit = workflow({ a: { type: 'test.const', params: { value: 1, x: nest(60) } } })
    expect(codes(atLimit)).toEqual([['SDF_PARAM_UNKNOWN', '/nodes/a/params/x']])
    const past = workflow({ a: { type: 'test.const', params: { value: 1, x: nest(61) } } })
    expect(codes(past).map(([c]) => c)).toEqual(['SDF_DOC_TOO_DEEP'])
  })
})
