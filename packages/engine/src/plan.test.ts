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
    dataDir: mkdtempSync(join(tmpdir(), 'sdflow-plan-')),
  })

async function run(doc: unknown) {
  const events: RunEvent[] = []
  const result = await engine().run(doc, { onEvent: (e) => events.push(e) })
  const ran = events.flatMap((e) => (e.type === 'node.finished' ? [e.nodeId] : []))
  return { result, events, ran: ran.sort() }
}

const link = (node: string, output = 'value') => ({ node, output })

describe('what a run plans', () => {
  it('runs every sink when the workflow declares no outputs, beside an output node', async () => {
    // qr -> gen -> verify and gen -> save: the verdict nothing reads runs too
    const doc = workflow({
      qr: { type: 'test.const', params: { value: 2 } },
      gen: { type: 'test.sleep', inputs: { value: link('qr') } },
      verify: { type: 'test.add', inputs: { a: link('gen') } },
      save: { type: 'test.sink', inputs: { value: link('gen') } },
    })
    const { result, events, ran } = await run(doc)
    expect(result.status).toBe('finished')
    expect(ran).toEqual(['gen', 'qr', 'save', 'verify'])
    expect(events.some((e) => e.type === 'node.skipped')).toBe(false)
    expect(result.summary).toMatchObject({ planned: 4, ran: 4, notPlanned: 0 })
  })

  it('announces a node left out of the plan at run start, says why and counts it', async () => {
    const doc = workflow(
      {
        a: { type: 'test.const', params: { value: 2 } },
        sum: { type: 'test.add', inputs: { a: link('a') } },
        unused: { type: 'test.const' },
        after: { type: 'test.add', inputs: { a: link('unused') } },
      },
      { outputs: { total: { node: 'sum', output: 'sum' } } },
    )
    const { result, events, ran } = await run(doc)
    expect(ran).toEqual(['a', 'sum'])
    expect(events.slice(0, 3).map((e) => `${e.type} ${'nodeId' in e ? e.nodeId : ''}`)).toEqual([
      'run.started ',
      'node.skipped unused',
      'node.skipped after',
    ])
    const skipped = events.filter((e) => e.type === 'node.skipped')
    expect(skipped.map((e) => e.issue)).toMatchObject([
      {
        code: 'SDF_RUN_NOT_PLANNED',
        pointer: '/nodes/unused',
        message: 'feeds no output (read only by "after", which does not run)',
      },
      {
        code: 'SDF_RUN_NOT_PLANNED',
        pointer: '/nodes/after',
        message: 'feeds no output (nothing reads it and no workflow output names it)',
      },
    ])
    expect(result.summary).toMatchObject({ planned: 2, ran: 2, skipped: 0, notPlanned: 2 })
    expect(result.nodes.unused).toMatchObject({ status: 'skipped' })
    expect(result.status).toBe('finished')
  })

  it('still runs output nodes beside the declared outputs', async () => {
    const doc = workflow(
      {
        a: { type: 'test.const', params: { value: 2 } },
        shown: { type: 'test.sink', inputs: { value: link('a') } },
        sum: { type: 'test.add', inputs: { a: link('a') } },
      },
      { outputs: { total: { node: 'sum', output: 'sum' } } },
    )
    const { ran, result } = await run(doc)
    expect(ran).toEqual(['a', 'shown', 'sum'])
    expect(result.summary.notPlanned).toBe(0)
  })
})
