import { mkdtempSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RunningEmulator, startEmulator } from '@sdflow/a1111-emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backendWorkflow, type TestApp, testApp, waitFor } from './server.test-support.js'

let emulator: RunningEmulator
let t: TestApp
beforeAll(async () => {
  emulator = await startEmulator({ stepMs: 2 })
  const config = join(mkdtempSync(join(tmpdir(), 'sdflow-price-')), 'sdflow.config.json')
  await writeFile(
    config,
    JSON.stringify({ backends: [{ id: 'gpu', url: emulator.url, pricePerSecond: 0.001 }] }),
  )
  t = await testApp({ runtimeOptions: { backends: 'auto', configFile: config } })
})
afterAll(async () => {
  await t.close()
  await emulator.close()
})

describe('GET /api/runs/:id', () => {
  it('reports every resolved seed, each node meta and the estimated cost', async () => {
    const doc = backendWorkflow(4, 77)
    const nodes = doc.nodes as Record<string, { params: Record<string, unknown> }>
    if (nodes.gen) nodes.gen.params.batch_size = 2
    const submitted = await t.app.inject({
      method: 'POST',
      url: '/api/runs',
      payload: JSON.stringify({ workflow: doc }),
      headers: { 'content-type': 'application/json' },
    })
    const { runId } = submitted.json()
    const run = await waitFor(async () => {
      const view = (await t.app.inject({ url: `/api/runs/${runId}` })).json()
      return view.status === 'finished' ? view : undefined
    }, 'the run to finish')
    expect(run.seeds.gen).toEqual([77, 78])
    expect(run.nodes.gen.meta).toMatchObject({ seeds: [77, 78], attempts: 1 })
    expect(run.nodes.gen.backend).toBe('gpu')
    expect(run.cost.gpuMs).toBeGreaterThan(0)
    expect(run.cost.cost).toBeGreaterThan(0)
    expect(run.cost.images).toBe(2)
  })
})

describe('POST /api/validate estimate', () => {
  it('learns the seconds per step from runs the server made', async () => {
    const doc = backendWorkflow(5, 91)
    const estimate = async () =>
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/validate',
          payload: JSON.stringify({ workflow: doc }),
          headers: { 'content-type': 'application/json' },
        })
      ).json().estimate
    const submitted = await t.app.inject({
      method: 'POST',
      url: '/api/runs',
      payload: JSON.stringify({ workflow: doc }),
      headers: { 'content-type': 'application/json' },
    })
    const { runId } = submitted.json()
    await waitFor(async () => {
      const view = (await t.app.inject({ url: `/api/runs/${runId}` })).json()
      return view.status === 'finished' ? view : undefined
    }, 'the run to finish')
    // written just after the run ends, off its critical path
    const ran = await waitFor(async () => {
      const e = await estimate()
      return e.kinds[0]?.history ? e : undefined
    }, 'the history to be written')
    expect(ran.images).toBe(1)
    expect(ran.kinds).toEqual([
      expect.objectContaining({ kind: 'a1111', history: true, seconds: expect.any(Number) }),
    ])
    expect(ran.kinds[0].cost).toBeGreaterThan(0)
  })
})
