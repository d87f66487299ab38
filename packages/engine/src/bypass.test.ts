import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RunEvent } from '@sdflow/protocol'
import { describe, expect, it } from 'vitest'
import { createEngine } from './engine.js'
import { testRegistry, workflow } from './nodes.test-support.js'

const engine = () =>
  createEngine({
    registry: testRegistry(),
    services: undefined,
    dataDir: mkdtempSync(join(tmpdir(), 'sdflow-bypass-')),
  })

const link = (node: string, output = 'value') => ({ node, output })

async function run(doc: unknown) {
  const events: RunEvent[] = []
  const result = await engine().run(doc, { onEvent: (e) => events.push(e) })
  return { result, events }
}

describe('a bypassed node', () => {
  it('does not execute and passes its first matching input to each output', async () => {
    const doc = workflow(
      {
        a: { type: 'test.const', params: { value: 2 } },
        b: { type: 'test.const', params: { value: 3 } },
        mid: { type: 'test.add', bypass: true, inputs: { a: link('a'), b: link('b') } },
        out: { type: 'test.sink', inputs: { value: link('mid', 'sum') } },
      },
      { outputs: { total: { node: 'out', output: 'value' } } },
    )
    const { result, events } = await run(doc)
    expect(result.status).toBe('finished')
    expect(result.outputs).toEqual({ total: 2 })
    expect(events.some((e) => e.type === 'node.started' && e.nodeId === 'mid')).toBe(false)
    expect(events.find((e) => e.type === 'node.finished' && e.nodeId === 'mid')).toMatchObject({
      outputs: { sum: 2 },
      meta: { bypassed: true },
    })
    // b only fed an input the bypassed node does not pass on: it need not run
    expect(events.find((e) => e.type === 'node.skipped')).toMatchObject({
      nodeId: 'b',
      issue: { code: 'SDF_RUN_NOT_PLANNED', message: expect.stringContaining('bypassed "mid"') },
    })
    expect(result.summary).toMatchObject({ planned: 3, ran: 3, notPlanned: 1 })
  })

  it('passes through a chain of bypassed nodes', async () => {
    const doc = workflow({
      a: { type: 'test.const', params: { value: 7 } },
      s1: { type: 'test.sleep', bypass: true, params: { ms: 5000 }, inputs: { value: link('a') } },
      s2: { type: 'test.sleep', bypass: true, params: { ms: 5000 }, inputs: { value: link('s1') } },
      out: { type: 'test.sink', inputs: { value: link('s2') } },
    })
    const { result } = await run(doc)
    expect(result.nodes.out?.outputs).toEqual({ value: 7 })
  })

  it('is refused when a used output has no input to pass on', async () => {
    const doc = workflow({
      c: { type: 'test.const', bypass: true, params: { value: 2 } },
      out: { type: 'test.sink', inputs: { value: link('c') } },
    })
    const { result, events } = await run(doc)
    expect(result.status).toBe('invalid')
    expect(events).toEqual([])
    expect(result.issues).toMatchObject([
      {
        code: 'SDF_NODE_BYPASS_NO_INPUT',
        pointer: '/nodes/c/bypass',
        severity: 'error',
        message: expect.stringContaining('output "value" (number)'),
      },
    ])
  })

  it('needs no input for an output nothing reads', async () => {
    const doc = workflow({ c: { type: 'test.const', bypass: true } })
    const { result, events } = await run(doc)
    expect(result.status).toBe('finished')
    expect(events.find((e) => e.type === 'node.finished')).toMatchObject({
      nodeId: 'c',
      outputs: {},
    })
  })

  it('is a document field the schema accepts, and only as a boolean', () => {
    const bad = engine().validate(workflow({ c: { type: 'test.const', bypass: 'yes' } }))
    expect(bad.issues).toMatchObject([{ code: 'SDF_DOC_SHAPE', pointer: '/nodes/c/bypass' }])
    const good = engine().validate(workflow({ c: { type: 'test.const', bypass: false } }))
    expect(good.workflow).toBeDefined()
  })
})
