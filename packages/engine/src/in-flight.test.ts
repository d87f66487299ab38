import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Type } from 'typebox'
import { describe, expect, it } from 'vitest'
import { defineNode } from './define-node.js'
import { createEngine } from './engine.js'
import { workflow } from './nodes.test-support.js'
import { createRegistry } from './registry.js'

/** A slow node that counts its executions and can be told to fail the first time. */
function counter() {
  const calls = { count: 0, failFirst: false }
  const node = defineNode({
    type: 'test.counted',
    version: 1,
    title: 'Counted',
    category: 'test',
    description: 'Counts its executions.',
    params: Type.Object({ value: Type.Number({ default: 1 }) }),
    inputs: {},
    outputs: { value: 'number' },
    async execute({ params, signal }) {
      calls.count++
      const mine = calls.count
      await new Promise((resolve) => setTimeout(resolve, 50))
      signal.throwIfAborted()
      if (calls.failFirst && mine === 1) throw new Error('first try fails')
      return { value: params.value }
    },
  })
  const engine = createEngine({
    registry: createRegistry([node]),
    services: undefined,
    dataDir: mkdtempSync(join(tmpdir(), 'sdflow-flight-')),
  })
  return { calls, engine }
}

const doc = workflow(
  { n: { type: 'test.counted', params: { value: 5 } } },
  {
    outputs: { v: { node: 'n', output: 'value' } },
  },
)

describe('identical nodes in flight', () => {
  it('share one execution across runs submitted together', async () => {
    const { calls, engine } = counter()
    const [a, b] = await Promise.all([engine.run(doc), engine.run(doc)])
    expect(calls.count).toBe(1)
    expect([a.status, b.status]).toEqual(['finished', 'finished'])
    expect([a.outputs.v, b.outputs.v]).toEqual([5, 5])
    expect([a.nodes.n?.status, b.nodes.n?.status].sort()).toEqual(['cached', 'done'])
  })

  it('run again in a waiting run when the first execution fails', async () => {
    const { calls, engine } = counter()
    calls.failFirst = true
    const [a, b] = await Promise.all([engine.run(doc), engine.run(doc)])
    expect(calls.count).toBe(2)
    expect([a.status, b.status]).toEqual(['failed', 'finished'])
  })

  it('stop waiting when the waiting run is cancelled', async () => {
    const { calls, engine } = counter()
    const controller = new AbortController()
    const first = engine.run(doc)
    const second = engine.run(doc, { signal: controller.signal })
    setTimeout(() => controller.abort(), 10)
    expect((await second).status).toBe('cancelled')
    expect((await first).status).toBe('finished')
    expect(calls.count).toBe(1)
  })
})
