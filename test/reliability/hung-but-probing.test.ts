// Issue 12 case 7: a backend whose generations hang while its HTTP server keeps answering
// probes. After a node froze there it takes no more work until its progress shows it idle or
// moving; the rest of the work goes to the healthy backend beside it.
import type { RunningEmulator } from '@sdflow/a1111-emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  emulators,
  gen,
  link,
  type Rig,
  requests,
  rig,
  save,
  settled,
  submit,
  waitFor,
  workflowOf,
} from './rig.test-support.js'

let a: RunningEmulator
let b: RunningEmulator
let r: Rig

beforeAll(async () => {
  ;[a, b] = (await emulators(2)) as [RunningEmulator, RunningEmulator]
  r = await rig([
    { id: 'a', url: a.url, timeouts: { frozenMs: 1_500 } },
    { id: 'b', url: b.url, timeouts: { frozenMs: 1_500 } },
  ])
})
afterAll(async () => {
  await r.close()
  await a.close()
  await b.close()
})

const generations = (e: RunningEmulator) =>
  requests(e, '/sdapi/v1/txt2img') + requests(e, '/sdapi/v1/img2img')

const img2img = (from: string, seed: number) => ({
  type: 'sd.img2img',
  params: { prompt: 'a lighthouse at night', steps: 6, seed, denoising_strength: 0.5 },
  inputs: { image: link(from) },
})

interface BackendView {
  id: string
  health: string
  lastError?: { code: string; message: string }
}
const backend = async (id: string) => {
  const list = (await r.app.inject({ url: '/api/backends' })).json() as BackendView[]
  return list.find((x) => x.id === id)
}

describe('a backend hung in a job but answering probes', () => {
  it('gets no more work after a node froze there; comes back once its progress moves', async () => {
    a.injectFault({ route: '/sdapi/v1/txt2img', kind: 'stuck', count: 100 })
    a.injectFault({ route: '/sdapi/v1/img2img', kind: 'stuck', count: 100 })
    // a node pinned to `a` freezes there (its job never ends, not even when we leave)
    const pinned = await settled(
      r.app,
      await submit(r.app, workflowOf({ g: gen({ backend: 'a', seed: 1 }) })),
      30_000,
    )
    expect(pinned.status).toBe('failed')
    expect(generations(a)).toBe(1)
    // probes answer all along; `a` still must not be handed the next nodes
    expect((await backend('a'))?.health).toBe('down')
    const chain = workflowOf({
      g: gen({ seed: 2 }),
      i1: img2img('g', 3),
      i2: img2img('i1', 4),
      s: save('i2', 'chain'),
    })
    const run = await settled(r.app, await submit(r.app, chain), 60_000)
    expect(run.status).toBe('finished')
    expect(
      Object.values(run.nodes)
        .map((n) => n.backend)
        .filter(Boolean),
    ).toEqual(['b', 'b', 'b'])
    expect(generations(a)).toBe(1)
    // a probe that answers reports why it stays down (one that timed out under load says so)
    const seen = await waitFor(async () => {
      const view = await backend('a')
      return view?.lastError?.message.includes('does not advance') ? view : undefined
    }, 'a probe answering while the job stays stuck')
    expect(seen.health).toBe('down')
    expect(generations(a)).toBe(1)
    // the job ends (faults cleared): progress shows it idle, the backend takes work again
    a.clearFaults()
    await waitFor(
      async () => ((await backend('a'))?.health === 'up' ? true : undefined),
      'a up',
      20_000,
    )
  }, 120_000)
})
