import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RunEvent } from '@sdflow/protocol'
import { Type } from 'typebox'
import { describe, expect, it } from 'vitest'
import { defineNode } from './define-node.js'
import { createEngine } from './engine.js'
import { testRegistry, workflow } from './nodes.test-support.js'
import { createRegistry } from './registry.js'

const tmp = () => mkdtempSync(join(tmpdir(), 'sdflow-engine-'))
const engineAt = (dataDir = tmp()) =>
  createEngine({ registry: testRegistry(), services: undefined, dataDir, limits: { cpu: 4 } })

async function runCollect(engine: ReturnType<typeof engineAt>, doc: unknown, signal?: AbortSignal) {
  const events: RunEvent[] = []
  const result = await engine.run(doc, { onEvent: (e) => events.push(e), signal })
  return {
    result,
    events,
    types: events.map((e) => `${e.type}${'nodeId' in e ? ` ${e.nodeId}` : ''}`),
  }
}

const link = (node: string, output = 'value') => ({ node, output })
const chain = workflow(
  {
    a: { type: 'test.const', params: { value: 2 } },
    b: { type: 'test.const', params: { value: 3 } },
    sum: { type: 'test.add', inputs: { a: link('a'), b: link('b') } },
    unused: { type: 'test.const' },
  },
  { outputs: { total: { node: 'sum', output: 'sum' } } },
)

describe('engine.run', () => {
  it('runs only what the outputs need, in dependency order', async () => {
    const { result, events } = await runCollect(engineAt(), chain)
    expect(result.status).toBe('finished')
    expect(result.outputs).toEqual({ total: 5 })
    const started = events.flatMap((e) => (e.type === 'node.started' ? [e.nodeId] : []))
    expect(started.sort()).toEqual(['a', 'b', 'sum'])
    const at = (type: string, id: string) =>
      events.findIndex((e) => e.type === type && 'nodeId' in e && e.nodeId === id)
    expect(at('node.finished', 'a')).toBeLessThan(at('node.started', 'sum'))
    expect(at('node.finished', 'b')).toBeLessThan(at('node.started', 'sum'))
  })

  it('runs a workflow the caller validated with what that validation found', async () => {
    const engine = engineAt()
    const validated = engine.validate(chain)
    const events: RunEvent[] = []
    const result = await engine.run(chain, { validated, onEvent: (e) => events.push(e) })
    expect(result.outputs).toEqual({ total: 5 })
    expect(result.issues).toEqual(validated.issues)
    const invalid = engine.validate(workflow({ a: { type: 'test.nope' } }))
    const refused = await engine.run(chain, { validated: invalid })
    expect(refused.status).toBe('invalid')
    expect(refused.issues.map((i) => i.code)).toEqual(['SDF_NODE_UNKNOWN_TYPE'])
  })

  it('numbers events from 1 without gaps and stamps the run id', async () => {
    const { result, events } = await runCollect(engineAt(), chain)
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1))
    expect(new Set(events.map((e) => e.runId))).toEqual(new Set([result.runId]))
    expect(events[0]?.type).toBe('run.started')
    expect(events.at(-1)?.type).toBe('run.finished')
  })

  it('runs independent branches at the same time', async () => {
    const doc = workflow(
      {
        // different params: identical nodes would share one execution
        x: { type: 'test.sleep', params: { ms: 60 } },
        y: { type: 'test.sleep', params: { ms: 61 } },
        sum: { type: 'test.add', inputs: { a: link('x'), b: link('y') } },
      },
      { outputs: { total: { node: 'sum', output: 'sum' } } },
    )
    const { events } = await runCollect(engineAt(), doc)
    let inFlight = 0
    let most = 0
    for (const e of events) {
      if (e.type === 'node.started') most = Math.max(most, ++inFlight)
      if (e.type === 'node.finished') inFlight--
    }
    expect(most).toBe(2)
  })

  it('bounds work per resource', async () => {
    const nodes = Object.fromEntries(
      Array.from({ length: 6 }, (_, i) => [
        `n${i}`,
        { type: 'test.sleep', params: { ms: 10 + i } },
      ]),
    )
    const engine = createEngine({
      registry: testRegistry(),
      services: undefined,
      dataDir: tmp(),
      limits: { cpu: 2 },
    })
    const events: RunEvent[] = []
    await engine.run(workflow(nodes), { onEvent: (e) => events.push(e) })
    let inFlight = 0
    let most = 0
    for (const e of events) {
      if (e.type === 'node.started') most = Math.max(most, ++inFlight)
      if (e.type === 'node.finished') inFlight--
    }
    expect(most).toBe(2)
  })

  it('skips the descendants of a failed node while other branches finish', async () => {
    const doc = workflow({
      bad: { type: 'test.fail', params: { message: 'kaput' } },
      after: { type: 'test.sink', inputs: { value: link('bad') } },
      slow: { type: 'test.sleep', params: { ms: 30 } },
      ok: { type: 'test.sink', inputs: { value: link('slow') } },
    })
    const { result, types, events } = await runCollect(engineAt(), doc)
    expect(result.status).toBe('failed')
    expect(result.nodes.ok?.status).toBe('done')
    expect(result.nodes.after?.status).toBe('skipped')
    expect(types).toContain('node.skipped after')
    const failed = events.find((e) => e.type === 'node.failed')
    expect(failed).toMatchObject({
      nodeId: 'bad',
      issue: { code: 'SDF_NODE_FAILED', pointer: '/nodes/bad' },
    })
    expect(result.issues.map((i) => i.code)).toEqual(['SDF_NODE_FAILED'])
    expect(events.at(-1)).toMatchObject({
      type: 'run.failed',
      summary: { failed: 1, skipped: 1, ran: 2 },
    })
  })

  it('cancels the run and every node in flight', async () => {
    const doc = workflow({
      long: { type: 'test.sleep', params: { ms: 5000, steps: 100 } },
      next: { type: 'test.sink', inputs: { value: link('long') } },
    })
    const controller = new AbortController()
    const engine = engineAt()
    const events: RunEvent[] = []
    const running = engine.run(doc, {
      signal: controller.signal,
      onEvent: (e) => {
        events.push(e)
        if (e.type === 'node.progress') controller.abort()
      },
    })
    const result = await running
    expect(result.status).toBe('cancelled')
    expect(result.nodes.long?.status).toBe('cancelled')
    expect(result.nodes.next?.status).toBe('cancelled')
    expect(events.at(-1)?.type).toBe('run.cancelled')
    expect(events.some((e) => e.type === 'node.failed')).toBe(false)
  })

  it('reports progress with a fraction', async () => {
    const { events } = await runCollect(
      engineAt(),
      workflow({ s: { type: 'test.sleep', params: { ms: 4, steps: 4 } } }),
    )
    const progress = events.filter((e) => e.type === 'node.progress')
    expect(progress.map((e) => (e.type === 'node.progress' ? e.fraction : 0))).toEqual([
      0.25, 0.5, 0.75, 1,
    ])
  })

  it('resolves an invalid workflow with its issues and runs nothing', async () => {
    const { result, events } = await runCollect(engineAt(), workflow({ a: { type: 'nope' } }))
    expect(result.status).toBe('invalid')
    expect(result.issues[0]?.code).toBe('SDF_NODE_UNKNOWN_TYPE')
    expect(events).toEqual([])
  })

  it('handles a deep chain of 5,000 nodes without overflowing the stack', async () => {
    const nodes: Record<string, object> = { n0: { type: 'test.const' } }
    for (let i = 1; i < 5000; i++)
      nodes[`n${i}`] = {
        type: 'test.add',
        inputs: { a: link(`n${i - 1}`, i === 1 ? 'value' : 'sum') },
      }
    const doc = workflow(nodes, { outputs: { end: { node: 'n4999', output: 'sum' } } })
    const { result } = await runCollect(engineAt(), doc)
    expect(result.outputs).toEqual({ end: 1 })
  })
})

describe('cache', () => {
  const ran = (events: RunEvent[]) =>
    events.flatMap((e) => (e.type === 'node.started' ? [e.nodeId] : [])).sort()
  const cached = (events: RunEvent[]) =>
    events.flatMap((e) => (e.type === 'node.cached' ? [e.nodeId] : [])).sort()

  it('runs nothing the second time', async () => {
    const engine = engineAt()
    await runCollect(engine, chain)
    const again = await runCollect(engine, chain)
    expect(ran(again.events)).toEqual([])
    expect(cached(again.events)).toEqual(['a', 'b', 'sum'])
    expect(again.result.outputs).toEqual({ total: 5 })
  })

  it('re-runs exactly the changed node and its descendants', async () => {
    const engine = engineAt()
    await runCollect(engine, chain)
    const changed = structuredClone(chain)
    changed.nodes.b = { type: 'test.const', params: { value: 10 } }
    const again = await runCollect(engine, changed)
    expect(ran(again.events)).toEqual(['b', 'sum'])
    expect(cached(again.events)).toEqual(['a'])
    expect(again.result.outputs).toEqual({ total: 12 })
  })

  it('never serves a nondeterministic node from cache', async () => {
    const engine = engineAt()
    const doc = workflow({
      r: { type: 'test.random' },
      s: { type: 'test.sink', inputs: { value: link('r') } },
    })
    const first = await runCollect(engine, doc)
    const second = await runCollect(engine, doc)
    expect(ran(second.events)).toContain('r')
    expect(second.result.nodes.s?.outputs).not.toEqual(first.result.nodes.s?.outputs)
    const fixed = workflow({
      r: { type: 'test.random', params: { seed: 7 } },
      s: { type: 'test.sink', inputs: { value: link('r') } },
    })
    await runCollect(engine, fixed)
    expect(cached((await runCollect(engine, fixed)).events)).toEqual(['r', 's'])
  })

  it('persists across engines that share a data folder', async () => {
    const dataDir = tmp()
    await runCollect(engineAt(dataDir), chain)
    const again = await runCollect(engineAt(dataDir), chain)
    expect(ran(again.events)).toEqual([])
  })
})

describe('resume', () => {
  it('reuses results of an earlier attempt, even of nondeterministic nodes', async () => {
    const doc = workflow({
      r: { type: 'test.random' },
      s: { type: 'test.sink', inputs: { value: link('r') } },
    })
    const engine = engineAt()
    const events: RunEvent[] = []
    const result = await engine.run(doc, {
      reuse: new Map([['r', { outputs: { value: 0.5 }, files: [] }]]),
      onEvent: (e) => events.push(e),
    })
    expect(result.nodes.r?.status).toBe('cached')
    expect(result.nodes.s?.outputs).toEqual({ value: 0.5 })
  })

  it('commits each result before announcing it', async () => {
    const order: string[] = []
    await engineAt().run(chain, {
      commit: async (nodeId) => {
        await new Promise((r) => setTimeout(r, 5))
        order.push(`commit ${nodeId}`)
      },
      onEvent: (e) => {
        if (e.type === 'node.finished') order.push(`finished ${e.nodeId}`)
      },
    })
    for (const id of ['a', 'b', 'sum']) {
      expect(order.indexOf(`commit ${id}`)).toBeLessThan(order.indexOf(`finished ${id}`))
    }
  })
})

describe('provenance', () => {
  it('gives a node what its upstream recorded, nearest first, and keeps it in the cache', async () => {
    const registry = createRegistry([
      defineNode({
        type: 'test.note',
        version: 1,
        title: 'Note',
        category: 'test',
        description: 'Annotates its result.',
        params: Type.Object({ seed: Type.Integer({ default: 5 }) }),
        inputs: {},
        outputs: { value: 'number' },
        async execute({ params, annotate }) {
          annotate({ seeds: [params.seed] })
          return { value: params.seed }
        },
      }),
      defineNode({
        type: 'test.read',
        version: 1,
        title: 'Read',
        category: 'test',
        description: 'Reports what is upstream.',
        params: Type.Object({}),
        inputs: { value: 'number' },
        outputs: { text: 'string' },
        isOutput: true,
        async execute({ upstream, run }) {
          const found = upstream().map((u) => `${u.nodeId}@${u.distance}:${JSON.stringify(u.meta)}`)
          return { text: `${run.workflow.name} ${found.join(' ')}` }
        },
      }),
    ])
    const doc = workflow({
      a: { type: 'test.note' },
      b: { type: 'test.read', inputs: { value: { node: 'a', output: 'value' } } },
    })
    const engine = createEngine({ registry, services: undefined, dataDir: tmp() })
    const first = await engine.run(doc)
    expect(first.nodes.b?.outputs?.text).toBe('test a@1:{"seeds":[5]}')
    const again = await engine.run(doc)
    expect(again.nodes.a).toMatchObject({ status: 'cached', meta: { seeds: [5] } })
  })
})
